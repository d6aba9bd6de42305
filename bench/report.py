#!/usr/bin/env python3
"""Assembles run.sh's raw results into one table (stdout), results/latest.json and latest.md.

  report.py --raw DIR --machine machine.json --json OUT.json --md OUT.md

DIR holds one file per step, named after it (pillow, pyvips, uploadd-images-w1,
uploadd-images-w2, compare, celery, bullmq, uploadd-queue), each either the step's stdout (the last
line that is a JSON object is taken; cargo bench may print other lines) or missing, plus
<step>.error with a one-line reason when the step failed or was skipped.
"""
import argparse
import json
import os
import sys

sys.dont_write_bytecode = True

STEPS = ["pillow", "pyvips", "uploadd-images-w1", "uploadd-images-w2", "compare", "celery", "bullmq", "uploadd-queue"]


def last_json(path):
    try:
        text = open(path, errors="replace").read()
    except OSError:
        return None
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            try:
                v = json.loads(line)
            except ValueError:
                continue
            if isinstance(v, dict):
                return v
    return None


def load(raw):
    data, errors = {}, {}
    for s in STEPS:
        v = last_json(os.path.join(raw, s))
        if v is not None:
            data[s] = v
        err = os.path.join(raw, s + ".error")
        if os.path.exists(err):
            errors[s] = open(err).read().strip() or "failed"
        elif v is None:
            errors[s] = "no JSON output"
    return data, errors


def ratio(a, b):
    try:
        if a is None or b is None or float(b) == 0:
            return None
        return float(a) / float(b)
    except (TypeError, ValueError):
        return None


def f(v, nd=2, suffix=""):
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:.{nd}f}{suffix}"
    return f"{v}{suffix}"


def build(data, errors, machine):
    img_rows = []
    names = [("pillow", "pillow", "1"), ("pyvips", "pyvips", "1"),
             ("uploadd-images-w1", "uploadd (1 worker)", "1"), ("uploadd-images-w2", "uploadd (2 workers)", str(machine.get("nproc", "all")))]
    cmp_sum = (data.get("compare") or {}).get("summary", {})
    cmp_key = {"pillow": "pillow", "pyvips": "pyvips", "uploadd-images-w1": "uploadd", "uploadd-images-w2": None}
    for step, label, cores in names:
        d = data.get(step)
        c = cmp_sum.get(cmp_key[step] or "", {})
        row = {
            "impl": label,
            "cores": cores,
            "images_per_sec": d.get("images_per_sec") if d else None,
            "median_total_s": d.get("median_total_s") if d else None,
            "peak_rss_mib": round(d["peak_rss_kib"] / 1024, 1) if d and d.get("peak_rss_kib") else None,
            "ssim_mean": c.get("ssim_mean"),
            "worse": c.get("worse_count"),
            "max_abs_dssim": c.get("max_abs_ssim_delta"),
            "display_ratio_median": ((c.get("size_ratio") or {}).get("display") or {}).get("median"),
            "webp_ratio_median": ((c.get("size_ratio") or {}).get("webp") or {}).get("median"),
            "error": errors.get(step) if not d else None,
        }
        img_rows.append(row)
    ips = {s: (data.get(s) or {}).get("images_per_sec") for s, _, _ in names}
    q = {s: data.get(s) or {} for s in ("celery", "bullmq", "uploadd-queue")}
    ratios = {
        "uploadd_over_pillow_1core": ratio(ips["uploadd-images-w1"], ips["pillow"]),
        "uploadd_over_pyvips_1core": ratio(ips["uploadd-images-w1"], ips["pyvips"]),
        "pyvips_over_pillow_1core": ratio(ips["pyvips"], ips["pillow"]),
        "uploadd_2workers_over_1worker": ratio(ips["uploadd-images-w2"], ips["uploadd-images-w1"]),
    }
    for base in ("celery", "bullmq"):
        for key, field in (("queue_enqueue", "enqueue_per_sec"), ("queue_c1", "process_per_sec_c1"),
                           ("queue_c16", "process_per_sec_c16"), ("queue_backlog", "backlog_process_per_sec"),
                           ("latency_p50", "latency_ms_p50")):
            ratios[f"{key}_uploadd_over_{base}"] = ratio(q["uploadd-queue"].get(field), q[base].get(field))
    ratios = {k: (round(v, 3) if v is not None else None) for k, v in ratios.items()}
    q_rows = []
    for step, label in (("celery", "celery"), ("bullmq", "bullmq"), ("uploadd-queue", "uploadd")):
        d = q[step]
        q_rows.append({
            "impl": label,
            "enqueue_per_sec": d.get("enqueue_per_sec"),
            "enqueue_bulk_per_sec": d.get("enqueue_bulk_per_sec"),
            "process_per_sec_c1": d.get("process_per_sec_c1"),
            "process_per_sec_c16": d.get("process_per_sec_c16"),
            "backlog_jobs": d.get("backlog_jobs"),
            "backlog_process_per_sec": d.get("backlog_process_per_sec"),
            "latency_ms_p50": d.get("latency_ms_p50"),
            "latency_ms_p99": d.get("latency_ms_p99"),
            "error": errors.get(step) if not d else None,
        })
    return img_rows, q_rows, ratios


def render(img_rows, q_rows, ratios, data, errors, machine, md):
    out = []
    p = out.append
    m = machine
    title = f"uploadd benchmarks, {m.get('date')}"
    head = (f"machine: {m.get('nproc')} CPUs ({m.get('cpu_model')}), {m.get('mem_gib')} GiB, kernel {m.get('kernel')}, "
            f"load before {m.get('loadavg_start')}; repo {m.get('git')}")
    corpus = m.get("corpus", {})
    if md:
        p(f"# {title}\n")
        p(f"{head}\n")
        p(f"Corpus: {corpus.get('images')} images ({corpus.get('summary')}), {m.get('rounds')} rounds, median of round totals; "
          "1-core runs pinned with `taskset`. Not part of CI pass/fail.\n")
    else:
        p(title)
        p(head)
        p(f"corpus: {corpus.get('images')} images ({corpus.get('summary')}); {m.get('rounds')} rounds, median; 1-core runs pinned")
        p("")

    def table(headers, rows, aligns):
        if md:
            p("| " + " | ".join(headers) + " |")
            p("|" + "|".join("---:" if a == ">" else "---" for a in aligns) + "|")
            for r in rows:
                p("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
            p("")
        else:
            w = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
            p("  ".join(h.ljust(w[i]) if aligns[i] == "<" else h.rjust(w[i]) for i, h in enumerate(headers)))
            p("  ".join("-" * x for x in w))
            for r in rows:
                p("  ".join(c.ljust(w[i]) if aligns[i] == "<" else c.rjust(w[i]) for i, c in enumerate(r)))
            p("")

    if md:
        p("## Images (display 1920x1080 JPEG q85 + 300x300 thumb JPEG q80 + WebP q80)\n")
    else:
        p("IMAGES (display 1920x1080 JPEG q85 + 300x300 thumb JPEG q80 + WebP q80)")
    rows = []
    for r in img_rows:
        if r["images_per_sec"] is None:
            rows.append([r["impl"], r["cores"], "n/a", "", "", "", "", "", "", "(no result: see below)"])
            continue
        rows.append([r["impl"], r["cores"], f(r["images_per_sec"], 3), f(r["median_total_s"], 2), f(r["peak_rss_mib"], 0),
                     f(r["ssim_mean"], 4), "-" if r["impl"] == "pillow" else f(r["max_abs_dssim"], 4),
                     "-" if r["impl"] == "pillow" else f(r["worse"]),
                     "-" if r["impl"] == "pillow" else f(r["display_ratio_median"], 3),
                     "-" if r["impl"] == "pillow" else f(r["webp_ratio_median"], 3)])
    table(["impl", "cores", "images/s", "median s", "RSS MiB", "SSIM", "max dSSIM", "worse", "display size", "webp size"],
          rows, ["<", ">", ">", ">", ">", ">", ">", ">", ">", "<"])
    legend = ("SSIM: mean luma SSIM of display.jpg vs an uncompressed Lanczos reference; max dSSIM (largest absolute "
              "per-image difference), worse (images more than 0.005 below pillow) and sizes (median per-image ratio) are vs "
              "pillow; uploadd's quality columns are from its 1-worker outputs.")
    p(legend + ("\n" if md else ""))
    if not md:
        p("")

    if md:
        p("## Queue (no-op jobs through Redis)\n")
    else:
        p("QUEUE (no-op jobs through Redis)")
    rows = []
    for r in q_rows:
        if r["enqueue_per_sec"] is None and r["process_per_sec_c1"] is None:
            rows.append([r["impl"], "n/a", "", "", "", "", "", "(no result: see below)"])
            continue
        note = f"addBulk {f(r['enqueue_bulk_per_sec'], 0)}/s" if r.get("enqueue_bulk_per_sec") is not None else ""
        rows.append([r["impl"], f(r["enqueue_per_sec"], 0), f(r["process_per_sec_c1"], 0), f(r["process_per_sec_c16"], 0),
                     f"{f(r['backlog_process_per_sec'], 0)} ({f(r['backlog_jobs'])})", f(r["latency_ms_p50"], 2),
                     f(r["latency_ms_p99"], 2), note])
    table(["impl", "enqueue/s", "c1 jobs/s", "c16 jobs/s", "backlog jobs/s (n)", "p50 ms", "p99 ms", "note"],
          rows, ["<", ">", ">", ">", ">", ">", ">", "<"])

    if md:
        p("## Ratios\n")
    else:
        p("RATIOS")
    labels = [
        ("uploadd_over_pillow_1core", "uploadd / pillow, images/s, 1 core"),
        ("uploadd_over_pyvips_1core", "uploadd / pyvips, images/s, 1 core"),
        ("pyvips_over_pillow_1core", "pyvips / pillow, images/s, 1 core"),
        ("uploadd_2workers_over_1worker", "uploadd 2 workers / 1 worker, images/s"),
    ]
    for key, what in (("queue_enqueue", "queue enqueue rate"), ("queue_c1", "queue throughput c1"),
                      ("queue_c16", "queue throughput c16"), ("queue_backlog", "queue throughput from backlog"),
                      ("latency_p50", "idle latency p50")):
        for base in ("celery", "bullmq"):
            lbl = f"{what}, uploadd / {base}" + (" (lower is better)" if key == "latency_p50" else "")
            labels.append((f"{key}_uploadd_over_{base}", lbl))
    rows = [[lbl, f(ratios[k], 3)] for k, lbl in labels]
    lat = [f"{r['impl']} {f(r['latency_ms_p50'], 2)} ms" for r in q_rows]
    rows.append(["idle latency p50", ", ".join(lat)])
    table(["ratio", "value"], rows, ["<", "<"])
    if errors:
        if md:
            p("## Steps that did not produce results\n")
            for k, v in errors.items():
                p(f"- `{k}`: {v}")
            p("")
        else:
            p("STEPS WITHOUT RESULTS")
            for k, v in errors.items():
                p(f"  {k}: {v}")
            p("")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--machine", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--md", required=True)
    args = ap.parse_args()
    machine = json.load(open(args.machine))
    data, errors = load(args.raw)
    img_rows, q_rows, ratios = build(data, errors, machine)
    doc = {"machine": machine, "ratios": ratios, "images": img_rows, "queue": q_rows, "errors": errors, "raw": data}
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as fh:
        json.dump(doc, fh, indent=1)
        fh.write("\n")
    with open(args.md, "w") as fh:
        fh.write(render(img_rows, q_rows, ratios, data, errors, machine, md=True))
    sys.stdout.write(render(img_rows, q_rows, ratios, data, errors, machine, md=False))


if __name__ == "__main__":
    main()
