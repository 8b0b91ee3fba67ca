/** Latency summary, same rule as demo.py: nearest-rank percentiles. */

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil((sorted.length * p) / 100));
  return sorted[rank - 1]!;
}

export function latencySummary(latenciesMs: number[]): string {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(1);
  return `latency (send -> receive, ${sorted.length} deliveries): p50 ${f(percentile(sorted, 50))} ms  p95 ${f(percentile(sorted, 95))} ms  max ${f(sorted.at(-1) ?? 0)} ms`;
}
