// The Server view: version, the settings in force (secrets arrive hidden from the server, never
// their values), storage, and charts of the server's own metrics over the window it keeps.
import * as api from './api.js';
import * as charts from './charts.js';

const $ = (id) => document.getElementById(id);

export function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i ? v.toFixed(1) : v} ${units[i]}`;
}

export async function load() {
  const [server, metrics] = await Promise.all([api.call('server'), api.call('metrics')]);
  $('server-version').textContent = server.version;
  $('server-mode').textContent = server.cluster ? 'cluster member' : 'single node';
  const s = server.storage;
  $('server-storage').textContent = `${bytes(s.mapUsedBytes)} of ${bytes(s.mapSizeBytes)} `
      + `(${((100 * s.mapUsedBytes) / s.mapSizeBytes).toFixed(1)}%)`;
  $('server-keys').textContent = String(s.keys);
  const body = $('settings').tBodies[0];
  body.replaceChildren();
  for (const setting of server.settings) {
    const row = body.insertRow();
    row.dataset.name = setting.name;
    row.insertCell().textContent = setting.name;
    const value = row.insertCell();
    value.textContent = setting.value === null ? '(not set)' : setting.value;
    value.classList.toggle('muted', setting.value === null || setting.value === '(hidden)');
  }
  drawCharts(metrics);
}

function drawCharts(m) {
  const samples = m.samples;
  const windowMs = m.intervalMs * m.capacity;
  // The window ends at the last sample, so the charts do not drift with the browser's clock.
  const endMs = samples.length ? samples[samples.length - 1].atMs : Date.now();
  const line = (name, pick) => ({ name, points: samples.map((p) => [p.atMs, pick(p)]) });
  charts.draw($('chart-calls'), { title: 'Calls per second', unit: '/s', endMs, windowMs,
    series: [line('calls', (p) => p.callsPerSecond)] });
  charts.draw($('chart-latency'), { title: 'Latency of unary calls', unit: 'ms', endMs,
    windowMs, series: [line('p50', (p) => p.p50Ms), line('p99', (p) => p.p99Ms)] });
  const statuses = [...new Set(samples.flatMap((p) => Object.keys(p.errorsPerSecond)))].sort();
  charts.draw($('chart-errors'), { title: 'Errors per second by status', unit: '/s', endMs,
    windowMs, series: statuses.map((code) => line(code, (p) => p.errorsPerSecond[code] || 0)) });
  charts.draw($('chart-batch'), { title: 'Requests per writer batch', unit: '', endMs, windowMs,
    series: [line('batch size', (p) => p.batchSize)] });
  $('metrics-note').textContent = samples.length
    ? `${samples.length} samples, one every ${m.intervalMs / 1000} s; the server keeps the last `
      + `${m.capacity} (${Math.round(windowMs / 60000)} minutes) in memory.`
    : `The first sample comes ${m.intervalMs / 1000} s after the server started.`;
}
