// The Tenants view, for a server administrator: every tenant with what it stores against its
// quotas, its rate limits, and the ids, roles and issue times of its tokens (the server keeps no
// token it could show). It only reads.
import * as api from './api.js';
import { bytes } from './server.js';

const $ = (id) => document.getElementById(id);
const count = (n) => n.toLocaleString('en-US');

function when(ms) {
  return ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '\u2014';
}

/** A cell of what is stored against its quota (0: none): the figure, the share and a meter. */
function usageCell(row, kind, used, quota, format) {
  const cell = row.insertCell();
  cell.className = kind;
  cell.dataset.used = String(used);
  const figure = document.createElement('div');
  figure.textContent = format(used);
  const share = document.createElement('div');
  share.className = 'muted';
  if (quota > 0) {
    const percent = (100 * used) / quota;
    share.textContent = `of ${format(quota)}: ${percent > 0 && percent < 0.1 ? '< 0.1'
      : percent.toFixed(1)}%`;
    const meter = document.createElement('meter');
    meter.min = 0;
    meter.max = quota;
    meter.high = 0.9 * quota;
    meter.optimum = 0;
    meter.value = used;
    cell.append(figure, share, meter);
  } else {
    share.textContent = 'no quota';
    cell.append(figure, share);
  }
}

function rate(row, value) {
  const cell = row.insertCell();
  cell.textContent = value > 0 ? count(value) : 'server default';
  cell.classList.toggle('muted', !(value > 0));
}

const storedBytes = (n) => (n < 1024 ? `${count(n)} B` : `${count(n)} B (${bytes(n)})`);

export async function load() {
  const answer = await api.call('tenants');
  const body = $('tenants').tBodies[0];
  body.replaceChildren();
  const tokens = $('tenant-tokens').tBodies[0];
  tokens.replaceChildren();
  for (const t of answer.tenants) {
    const row = body.insertRow();
    row.dataset.name = t.name;
    row.classList.toggle('deleting', t.deleting);
    row.insertCell().textContent = t.name + (t.deleting ? ' (being deleted)' : '');
    usageCell(row, 'keys', t.usage.storedKeys, t.limits.maxKeys, count);
    usageCell(row, 'bytes', t.usage.storedBytes, t.limits.maxBytes, storedBytes);
    rate(row, t.limits.requestsPerSecond);
    rate(row, t.limits.readUnitsPerMinute);
    rate(row, t.limits.writeUnitsPerMinute);
    row.insertCell().textContent = String(t.tokens.length);
    row.insertCell().textContent = when(t.createdAtMs);
    for (const k of t.tokens) {
      const r = tokens.insertRow();
      r.dataset.tenant = t.name;
      r.dataset.id = k.id;
      for (const text of [t.name, k.id, k.role, when(k.createdAtMs)]) {
        r.insertCell().textContent = text;
      }
    }
  }
  if (!tokens.rows.length) {
    const cell = tokens.insertRow().insertCell();
    cell.colSpan = 4;
    cell.className = 'empty';
    cell.textContent = 'No token has been issued (AdminService IssueToken, or atomkv token issue).';
  }
  const n = answer.tenants.length;
  $('tenants-summary').textContent = `${n} tenant${n === 1 ? '' : 's'}.`;
}
