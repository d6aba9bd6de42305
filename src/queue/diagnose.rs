//! What `uploadd doctor` asks of Redis: its version, whether it may evict or lose queue state,
//! and whether the connecting user may run every command uploadd (and its Lua scripts) use.

use redis::Value;

use super::redis::RedisQueue;

/// Facts about the Redis the queue runs on (each `None` when Redis would not say).
#[derive(Debug, Clone, Default)]
pub struct RedisDiagnosis {
    pub version: Option<String>,
    pub maxmemory_policy: Option<String>,
    pub aof: Option<bool>,
    pub rdb: Option<bool>,
    /// The ACL user, when `ACL WHOAMI` answered.
    pub user: Option<String>,
    /// Commands the user may not run (with Redis's reason); `None` when it could not be checked.
    pub denied: Option<Vec<(String, String)>>,
}

/// Every command uploadd sends, directly or from its scripts, with arguments for `ACL DRYRUN`
/// (keys under the namespace, so key patterns are checked too).
fn commands(ns: &str) -> Vec<Vec<String>> {
    let k = |s: &str| format!("{ns}:{s}");
    let c = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<String>>();
    vec![
        c(&["EVALSHA", "0000000000000000000000000000000000000000", "0"]),
        c(&["EVAL", "return 1", "0"]),
        c(&["SCRIPT", "LOAD", "return 1"]),
        c(&["PING"]),
        c(&["INFO"]),
        vec!["HSET".into(), k("data"), "id".into(), "v".into()],
        vec!["HSETNX".into(), k("data"), "id".into(), "v".into()],
        vec!["HGET".into(), k("data"), "id".into()],
        vec!["HGETALL".into(), k("meta:id")],
        vec!["HDEL".into(), k("data"), "id".into()],
        vec!["HEXISTS".into(), k("data"), "id".into()],
        vec!["HINCRBY".into(), k("meta:id"), "attempts".into(), "1".into()],
        vec!["SADD".into(), k("inflight:w"), "id".into()],
        vec!["SREM".into(), k("inflight:w"), "id".into()],
        vec!["SMEMBERS".into(), k("inflight:w")],
        vec!["SISMEMBER".into(), k("inflight:w"), "id".into()],
        vec!["SCARD".into(), k("inflight:w")],
        vec!["ZADD".into(), k("scheduled"), "1".into(), "id".into()],
        vec!["ZREM".into(), k("scheduled"), "id".into()],
        vec!["ZRANGE".into(), k("scheduled"), "0".into(), "0".into()],
        vec!["ZRANGEBYSCORE".into(), k("scheduled"), "-inf".into(), "1".into()],
        vec!["ZREVRANGE".into(), k("dead"), "0".into(), "0".into()],
        vec!["ZCARD".into(), k("dead")],
        vec!["LPOP".into(), k("active")],
        vec!["RPUSH".into(), k("active"), "id".into()],
        vec!["LPUSH".into(), k("signal"), "1".into()],
        vec!["LRANGE".into(), k("active"), "0".into(), "0".into()],
        vec!["LLEN".into(), k("active")],
        vec!["LINDEX".into(), k("active"), "0".into()],
        vec!["LREM".into(), k("active"), "0".into(), "id".into()],
        vec!["DEL".into(), k("meta:id")],
        vec!["SET".into(), k("idempotency:x"), "id".into(), "NX".into(), "EX".into(), "60".into()],
        vec!["PUBLISH".into(), format!("tasks:{ns}:active:available"), "id".into()],
        vec!["SUBSCRIBE".into(), format!("tasks:{ns}:active:available")],
        vec!["PUBLISH".into(), format!("tasks:{ns}:lane:video:available"), "id".into()],
        vec!["SUBSCRIBE".into(), format!("tasks:{ns}:lane:video:available")],
        vec!["HSET".into(), k("lanes"), "profile".into(), "video".into()],
        vec!["MULTI".into()],
        vec!["EXEC".into()],
        vec!["HGET".into(), k("lanes"), "profile".into()],
        vec!["HMGET".into(), k("meta:id"), "priority".into(), "tenant".into()],
        vec!["LMOVE".into(), k("q:normal:ring"), k("q:normal:ring"), "LEFT".into(), "RIGHT".into()],
        vec!["RPOP".into(), k("q:normal:ring")],
        vec!["INCR".into(), k("q:tick")],
        vec!["ZINCRBY".into(), k("q:backlog"), "1".into(), "t".into()],
        vec!["ZREMRANGEBYRANK".into(), k("done"), "0".into(), "-11".into()],
        vec!["XADD".into(), k("events"), "MAXLEN".into(), "~".into(), "10".into(), "*".into(), "f".into(), "v".into()],
    ]
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) | Value::VerbatimString { text: s, .. } => Some(s.clone()),
        Value::Okay => Some("OK".into()),
        _ => None,
    }
}

fn info_field(info: &str, field: &str) -> Option<String> {
    info.lines().find_map(|l| l.strip_prefix(&format!("{field}:"))).map(|v| v.trim().to_owned())
}

impl RedisQueue {
    pub async fn diagnose(&self) -> RedisDiagnosis {
        let mut conn = self.connection();
        let mut d = RedisDiagnosis::default();
        let server: Option<String> = redis::cmd("INFO").arg("server").query_async(&mut conn).await.ok();
        d.version = server.as_deref().and_then(|i| info_field(i, "redis_version"));
        let config = |key: &'static str| {
            let mut conn = self.connection();
            async move {
                let v: Vec<String> = redis::cmd("CONFIG").arg("GET").arg(key).query_async(&mut conn).await.ok()?;
                v.get(1).cloned()
            }
        };
        d.maxmemory_policy = config("maxmemory-policy").await;
        d.aof = config("appendonly").await.map(|v| v == "yes");
        d.rdb = config("save").await.map(|v| !v.trim().is_empty());
        if d.aof.is_none() {
            // CONFIG may be forbidden to this user; INFO still tells about the AOF.
            let p: Option<String> = redis::cmd("INFO").arg("persistence").query_async(&mut conn).await.ok();
            d.aof = p.as_deref().and_then(|i| info_field(i, "aof_enabled")).map(|v| v == "1");
        }
        d.user = redis::cmd("ACL").arg("WHOAMI").query_async::<String>(&mut conn).await.ok();
        if let Some(user) = &d.user {
            let mut denied = Vec::new();
            let mut checked = true;
            for args in commands(self.namespace()) {
                let reply: Result<Value, _> =
                    redis::cmd("ACL").arg("DRYRUN").arg(user).arg(&args).query_async(&mut conn).await;
                match reply {
                    Ok(v) if text(&v).as_deref() == Some("OK") => {}
                    Ok(v) => denied.push((args[0].clone(), text(&v).unwrap_or_else(|| format!("{v:?}")))),
                    Err(e) if e.to_string().contains("NOPERM") || e.to_string().contains("unknown") => {
                        checked = false;
                        break;
                    }
                    Err(e) => denied.push((args[0].clone(), e.to_string())),
                }
            }
            d.denied = checked.then_some(denied);
        }
        d
    }
}
