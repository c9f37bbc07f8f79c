"""The demo model's loss curve as an SVG, from the loss.tsv files train.py wrote (standard library only):

    python3 plot_loss.py results/loss-run1.tsv results/loss-run2.tsv --out ../../docs/demo-model-loss.svg

Each file is one run (step, train loss, held-out loss); a later run resumed from the one before, so its
steps are drawn after the earlier run's last step. Log-scale y: the loss falls from ~12 to ~0.015.
Also prints the held-out points as a Markdown table.
"""
import argparse
import math

W, H = 720, 400
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 40, 50


def read(path, offset):
    rows = []
    for line in open(path, encoding="utf-8").read().splitlines()[1:]:
        step, train, held = line.split("\t")
        rows.append((int(step) + offset, float(train), None if held == "nan" else float(held)))
    return rows


def main():
    a = argparse.ArgumentParser()
    a.add_argument("runs", nargs="+")
    a.add_argument("--out", required=True)
    args = a.parse_args()
    rows, boundaries, offset = [], [], 0
    for i, path in enumerate(args.runs):
        run = read(path, offset)
        rows += [(i + 1,) + r for r in run]
        offset = run[-1][0]
        boundaries.append(offset)
    steps = offset
    lo, hi = math.log10(0.01), math.log10(20)

    def x(step):
        return LEFT + (W - LEFT - RIGHT) * step / steps

    def y(loss):
        return TOP + (H - TOP - BOTTOM) * (hi - math.log10(loss)) / (hi - lo)

    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
           'font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="14">qwenstream-demo: training loss '
           '(assistant tokens, nats per token)</text>']
    for v in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20):
        svg.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>')
        svg.append(f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:g}</text>')
    for s in range(0, steps + 1, 1000):
        svg.append(f'<line x1="{x(s):.1f}" x2="{x(s):.1f}" y1="{TOP}" y2="{H - BOTTOM}" stroke="#eee"/>')
        svg.append(f'<text x="{x(s):.1f}" y="{H - BOTTOM + 16}" text-anchor="middle">{s}</text>')
    svg.append(f'<text x="{(LEFT + W - RIGHT) / 2}" y="{H - 12}" text-anchor="middle">step (batch of 64 dialogues)</text>')
    for b in boundaries[:-1]:
        svg.append(f'<line x1="{x(b):.1f}" x2="{x(b):.1f}" y1="{TOP}" y2="{H - BOTTOM}" stroke="#999" '
                   'stroke-dasharray="4 3"/>')
        svg.append(f'<text x="{x(b) + 4:.1f}" y="{TOP + 14}" fill="#666">resumed (fresh dialogues, fresh optimiser)</text>')
    train = " ".join(f"{x(s):.1f},{y(t):.1f}" for _, s, t, _ in rows)
    held = " ".join(f"{x(s):.1f},{y(h):.1f}" for _, s, _, h in rows if h is not None)
    svg.append(f'<polyline points="{train}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>')
    svg.append(f'<polyline points="{held}" fill="none" stroke="#d62728" stroke-width="1.5"/>')
    for _, s, _, h in rows:
        if h is not None:
            svg.append(f'<circle cx="{x(s):.1f}" cy="{y(h):.1f}" r="2.5" fill="#d62728"/>')
    lx = W - RIGHT - 230
    svg.append(f'<line x1="{lx}" x2="{lx + 24}" y1="{TOP + 40}" y2="{TOP + 40}" stroke="#1f77b4" stroke-width="2"/>')
    svg.append(f'<text x="{lx + 30}" y="{TOP + 44}">train (mean of the last 100 steps)</text>')
    svg.append(f'<line x1="{lx}" x2="{lx + 24}" y1="{TOP + 58}" y2="{TOP + 58}" stroke="#d62728" stroke-width="2"/>')
    svg.append(f'<text x="{lx + 30}" y="{TOP + 62}">held out (seed-2 dialogues)</text>')
    svg.append("</svg>")
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(svg) + "\n")
    print("| step | run | train loss | held-out loss |\n| ---: | ---: | ---: | ---: |")
    for run, s, t, h in rows:
        if h is not None:
            print(f"| {s} | {run} | {t:.4f} | {h:.4f} |")


if __name__ == "__main__":
    main()
