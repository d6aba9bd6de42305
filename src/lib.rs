//! uploadd — a daemon that turns raw uploads into safe, ready-to-serve media.
//!
//! A job (from Redis, or the embedded SQLite queue) names an object under `incoming/`; the
//! pipeline fetches it, scans it with clamd, validates its real type, renders image variants
//! (or transcodes video), stores the outputs under `uploads/{id}/` and commits the result to
//! the database. See ARCHITECTURE.md for the map and the invariants.
//!
//! Crate map (layers import only downwards; `tests/architecture.rs` keeps it so):
//! - [`outcome`], [`formats`], [`units`], [`backoff`], [`health`], [`failpoint`] — the shared
//!   vocabulary: stages, reason codes and failures; the media type registry; units; backoff;
//!   liveness; fault injection
//! - [`config`] — typed configuration (TOML + `UPLOADD_*` env), validated once
//! - [`job`] — the job payload (the producer contract) and its validation
//! - [`queue`] — at-least-once queue: Redis (production) and SQLite (embedded)
//! - [`db`] — upload state (PostgreSQL / SQLite via sqlx)
//! - [`storage`] — S3 and local-directory object stores
//! - [`scan`] — clamd verdicts
//! - [`sweep`] — scheduled and on-demand clean-up (multipart, orphans, temp)
//! - [`media`] — header probing, decoding, resizing, encoding
//! - [`pipeline`] — the stages and their failure classification; [`process`] — the only place
//!   that spawns children (ffmpeg, ffprobe)
//! - [`worker`], [`daemon`] — the runtime: fetch, run, settle, heartbeat, shutdown
//! - [`app`] — the container of opened dependencies; [`announce`] — terminal announcements and
//!   their outbox; [`metrics`], [`http`], [`events`], [`webhook`], [`telemetry`] — what
//!   operators and producers see
//! - [`producer`], [`demo`] — enqueueing from Rust and the embedded quick start; [`admin`] —
//!   the operator tools behind `uploadd jobs`; [`doctor`] — `uploadd doctor`, the checks of
//!   how the services around uploadd are configured
//! - [`workdir`] — per-job temp dirs and the CPU pool

pub mod admin;
pub mod announce;
pub mod app;
pub mod backoff;
pub mod breaker;
pub mod config;
pub mod daemon;
pub mod db;
pub mod demo;
pub mod doctor;
pub mod events;
pub mod failpoint;
pub mod formats;
pub mod health;
pub mod http;
pub mod job;
pub mod media;
pub mod metrics;
pub mod outcome;
pub mod pipeline;
pub mod process;
pub mod producer;
pub mod queue;
pub mod scan;
pub mod storage;
pub mod sweep;
pub mod telemetry;
pub mod units;
pub mod webhook;
pub mod workdir;
pub mod worker;
