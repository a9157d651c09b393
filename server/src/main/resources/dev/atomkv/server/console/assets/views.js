// The views of the server itself, beside the data browser (app.js): the server (server.js), this
// member's view of its cluster, its queue's messages and dead letters, the entities
// (entities.js) and, for a server administrator, the tenants (tenants.js). The one shown asks
// the server again every few seconds. None of them writes.
import * as api from './api.js';
import * as entities from './entities.js';
import * as server from './server.js';
import * as tenants from './tenants.js';
import { formatKey } from './keys.js';
import * as values from './values.js';

const $ = (id) => document.getElementById(id);
/** How often the view shown is reloaded. */
const REFRESH_MS = 3000;

const loaders = {
  'server-view': server.load,
  'cluster-view': loadCluster,
  'queues-view': loadQueues,
  'entities-view': entities.load,
  'tenants-view': async () => {
    await tenants.load();
    updated('tenants-updated');
  },
};
let shown = 'data-view';
let timer = null;
// A reload that was already under way when the view changed must not schedule another.
let generation = 0;
let onFailure = () => {};

/** Wires the tabs; failed(error) shows an answer that was not 200. */
export function init(failed) {
  onFailure = failed;
  entities.init(failed);
  for (const tab of document.querySelectorAll('#tabs .tab')) {
    tab.addEventListener('click', () => show(tab.dataset.view));
  }
}

/**
 * Offers the Tenants tab to a server administrator only (the server refuses anyone else); a page
 * that showed it to the previous token goes back to the data.
 */
export function setServerAdmin(admin) {
  $('tab-tenants').hidden = !admin;
  if (!admin && shown === 'tenants-view') show('data-view');
}

function show(view) {
  shown = view;
  for (const tab of document.querySelectorAll('#tabs .tab')) {
    tab.classList.toggle('active', tab.dataset.view === view);
  }
  for (const section of document.querySelectorAll('.view')) section.hidden = section.id !== view;
  refresh();
}

/** Reloads the view shown, if it is one of these, and schedules its next reload. */
export async function refresh() {
  clearTimeout(timer);
  timer = null;
  const load = loaders[shown];
  if (!load) return;
  const mine = ++generation;
  const view = shown;
  try {
    await load();
    $('status').textContent = '';
    // A counter of loads, so that a test (or a person) can tell a fresh answer from the last.
    const section = $(view);
    section.dataset.loads = String(Number(section.dataset.loads || 0) + 1);
  } catch (e) {
    onFailure(e);
  }
  if (mine === generation) timer = setTimeout(refresh, REFRESH_MS);
}

function updated(id) {
  $(id).textContent = `Updated ${new Date().toLocaleTimeString()}; `
      + `refreshed every ${REFRESH_MS / 1000} s.`;
}

/** A figure the answering member does not know arrives as null. */
function figure(value, unit = '') {
  return value === null || value === undefined ? '\u2014' : `${value}${unit}`;
}

async function loadCluster() {
  const c = await api.call('cluster');
  updated('cluster-updated');
  if (!c.cluster) {
    $('cluster-summary').textContent = 'This server is a single node: it is not a member of a '
        + 'cluster.';
    $('cluster-details').hidden = true;
    return;
  }
  $('cluster-details').hidden = false;
  $('cluster-summary').textContent = c.leaderId
    ? `${c.members.length} members; ${c.leaderId} leads in term ${c.term}.`
    : `${c.members.length} members; no leader known in term ${c.term} (an election may be `
      + 'under way).';
  $('cluster-id').textContent = c.clusterId;
  $('cluster-node').textContent = c.nodeId;
  $('cluster-role').textContent = c.role;
  $('cluster-leader').textContent = c.leaderId || 'none known';
  $('cluster-term').textContent = String(c.term);
  $('cluster-commit').textContent = String(c.commitIndex);
  $('cluster-applied').textContent = String(c.appliedIndex);
  $('cluster-snapshot').textContent = String(c.snapshotIndex);
  $('cluster-installs').textContent = String(c.snapshotInstalls);
  const body = $('members').tBodies[0];
  body.replaceChildren();
  for (const m of c.members) {
    const row = body.insertRow();
    row.dataset.id = m.id;
    row.classList.toggle('leader', m.id === c.leaderId);
    row.classList.toggle('self', m.id === c.nodeId);
    const cells = [m.id + (m.id === c.nodeId ? ' (this member)' : ''), m.raftAddress, m.role,
      figure(m.matchIndex), figure(m.lag), figure(m.lastContactMs, ' ms ago')];
    for (const text of cells) row.insertCell().textContent = text;
  }
  $('cluster-note').textContent = c.role === 'LEADER' ? ''
    : 'Only the leader follows every member\'s match index, lag and last contact: the leader\'s '
      + 'console shows them all.';
}

async function loadQueues() {
  const [q, dead] = await Promise.all([api.call('queues'), api.call('dead-letters')]);
  updated('queues-updated');
  $('queue-ready').textContent = q.exact ? String(q.ready) : `at least ${q.ready}`;
  $('queue-delayed').textContent = q.exact ? String(q.delayed) : `at most ${q.delayed}`;
  $('queue-inflight').textContent = String(q.inFlight);
  $('queues-note').textContent = q.cluster
    ? 'As this member\'s copy of the store holds them: every member applies the same log, a '
      + 'follower perhaps a moment later.' : '';
  renderDeadLetters(dead);
}

function renderDeadLetters(dead) {
  const body = $('dead-letters').tBodies[0];
  body.replaceChildren();
  for (const d of dead.deadLetters) {
    const row = body.insertRow();
    row.dataset.enqueuedAt = d.enqueuedAt;
    const cells = [new Date(d.gaveUpAtMs).toLocaleTimeString(), String(d.deliveries),
      d.value ? values.summary(d.value) : `${d.valueBytes} bytes (too large to keep)`,
      d.keysIfUndelivered.length ? d.keysIfUndelivered.map(formatKey).join('\n')
        : 'none: dropped', d.enqueuedAt];
    for (const text of cells) row.insertCell().textContent = text;
  }
  $('dead-letters-summary').textContent = dead.total
    ? `${dead.total} message(s) given up on since the server started`
      + (dead.total > dead.deadLetters.length ? `; the last ${dead.deadLetters.length} shown.`
        : '.')
    : 'No message has been given up on since the server started.';
}
