/** Metrics in the text format, parsed: `value(name, labels)` sums the samples whose labels include `labels`. */
export interface Samples {
  text: string;
  value(name: string, labels?: Record<string, string>): number;
  /** The label sets of a metric's samples. */
  series(name: string): Array<Record<string, string>>;
}

/** One scrape of GET /metrics. */
export interface Scrape extends Samples {
  status: number;
  contentType: string | null;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;

function parse(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  return text.split('\n').flatMap((line) => {
    const m = SAMPLE.exec(line);
    if (!m || line.startsWith('#')) return [];
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    return [{ name: m[1], labels, value: Number(m[3]) }];
  });
}

export function readSamples(text: string): Samples {
  const samples = parse(text);
  const matching = (name: string, labels: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return {
    text,
    value: (name, labels) => matching(name, labels).reduce((sum, s) => sum + s.value, 0),
    series: (name) => matching(name).map((s) => s.labels),
  };
}

export async function scrape(baseUrl: string): Promise<Scrape> {
  const res = await fetch(`${baseUrl}/metrics`);
  return { status: res.status, contentType: res.headers.get('content-type'), ...readSamples(await res.text()) };
}
