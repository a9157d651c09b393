// The console page: a data browser over the JSON API, with an editor and a live view of watched
// keys. State lives here; api.js talks to the server, keys.js and values.js format, views.js
// shows the views of the server, its cluster, its queue and its entities.
import * as api from './api.js';
import { formatKey, formatPart, parseKey, samePart } from './keys.js';
import * as values from './values.js';
import * as views from './views.js';

const $ = (id) => document.getElementById(id);
/** The server's default most keys in one watch (--max-watch-keys). */
const MAX_WATCHED = 10;

const state = {
  access: null,
  prefix: [],
  cursors: [''], // the cursor each page was read with; the last is the current page's
  nextCursor: '',
  reverse: false,
  selected: null, // the entry shown in the detail panel, as the page showed it
  creating: false,
  watched: [], // keys (JSON parts)
  stopWatch: null,
};

function status(text) {
  $('status').textContent = text || '';
}

function message(text, good) {
  const m = $('message');
  m.textContent = text || '';
  m.className = good ? 'good' : 'bad';
}

function failed(e) {
  if (e instanceof api.ApiError && e.status === 401) {
    state.access = null;
    views.setServerAdmin(false);
    document.body.classList.remove('read-only');
    $('access').textContent = '';
    $('entries').tBodies[0].replaceChildren();
    $('detail').hidden = true;
    status('Unauthorized: enter a valid token above.');
    return;
  }
  status(e instanceof api.ApiError ? `${e.code}: ${e.message}` : String(e.message || e));
}

async function connect() {
  try {
    const session = await api.call('session');
    state.access = session.access;
    document.body.classList.toggle('read-only', session.access !== 'read-write');
    $('access').textContent = session.access;
    views.setServerAdmin(session.serverAdmin);
    status('');
    views.refresh();
    await loadPage();
    restartWatch();
  } catch (e) {
    failed(e);
  }
}

function pageSize() {
  return Math.max(1, Number($('page-size').value) || 20);
}

async function loadPage() {
  const cursor = state.cursors[state.cursors.length - 1];
  const page = await api.call('list', {
    prefix: state.prefix, cursor, limit: pageSize(), reverse: state.reverse,
  });
  state.nextCursor = page.cursor;
  renderCrumbs();
  renderEntries(page.entries);
  $('prev').disabled = state.cursors.length <= 1;
  $('next').disabled = !page.cursor;
  $('page-info').textContent = `Page ${state.cursors.length}`
      + (state.reverse ? ' (reverse)' : '');
  // A counter of pages shown, so that a test (or a person) can tell a new page from the last.
  document.body.dataset.pages = String(Number(document.body.dataset.pages || 0) + 1);
}

function renderCrumbs() {
  const nav = $('crumbs');
  nav.replaceChildren();
  const root = document.createElement('a');
  root.textContent = '[ all keys ]';
  root.dataset.depth = '0';
  root.addEventListener('click', () => navigate([]));
  nav.append(root);
  state.prefix.forEach((part, i) => {
    nav.append(' / ');
    const a = document.createElement('a');
    a.textContent = formatPart(part);
    a.dataset.depth = String(i + 1);
    a.addEventListener('click', () => navigate(state.prefix.slice(0, i + 1)));
    nav.append(a);
  });
  $('prefix-input').value = formatKey(state.prefix);
}

function renderEntries(entries) {
  const body = $('entries').tBodies[0];
  body.replaceChildren();
  let lastFolder = null;
  for (const entry of entries) {
    const rest = entry.key.slice(state.prefix.length);
    if (rest.length > 1) {
      // Deeper keys show as their folder, once per run of them on this page.
      if (lastFolder && samePart(lastFolder, rest[0])) continue;
      lastFolder = rest[0];
      const row = body.insertRow();
      row.className = 'folder';
      row.dataset.key = formatKey([...state.prefix, rest[0]]);
      row.insertCell().textContent = formatPart(rest[0]);
      row.insertCell().textContent = '';
      row.insertCell().textContent = '';
      const folder = [...state.prefix, rest[0]];
      row.addEventListener('click', () => navigate(folder));
      continue;
    }
    lastFolder = null;
    const row = body.insertRow();
    row.className = 'entry';
    row.dataset.key = formatKey(entry.key);
    row.insertCell().textContent = formatKey(entry.key);
    row.insertCell().textContent = values.summary(entry.value);
    row.insertCell().textContent = entry.versionstamp;
    row.addEventListener('click', () => select(entry, row));
  }
  if (!entries.length) {
    const cell = body.insertRow().insertCell();
    cell.colSpan = 3;
    cell.className = 'empty';
    cell.textContent = 'No keys under this prefix.';
  }
}

function navigate(prefix) {
  state.prefix = prefix;
  state.cursors = [''];
  loadPage().catch(failed);
}

function select(entry, row) {
  for (const r of $('entries').querySelectorAll('tr.selected')) r.classList.remove('selected');
  if (row) row.classList.add('selected');
  state.selected = entry;
  state.creating = false;
  $('detail').hidden = false;
  $('key-form').hidden = true;
  $('detail-key').textContent = formatKey(entry.key);
  $('detail-kind').textContent = entry.value.kind;
  $('detail-versionstamp').textContent = entry.versionstamp;
  $('detail-expires').textContent = values.expiry(entry.expiresAtMs);
  $('detail-value').replaceChildren(values.view(entry.value));
  const edit = values.editable(entry.value);
  $('edit-kind').value = edit.kind;
  $('edit-value').value = edit.text;
  $('edit-expire').value = '';
  $('delete').hidden = false;
  $('watch').hidden = false;
  message('');
}

function startNew() {
  state.selected = null;
  state.creating = true;
  $('detail').hidden = false;
  $('key-form').hidden = false;
  $('new-key').value = formatKey([...state.prefix, { string: '' }]);
  $('detail-key').textContent = 'New entry';
  for (const id of ['detail-kind', 'detail-versionstamp', 'detail-expires']) {
    $(id).textContent = '';
  }
  $('detail-value').replaceChildren();
  $('edit-kind').value = 'string';
  $('edit-value').value = '';
  $('delete').hidden = true;
  $('watch').hidden = true;
  message('');
}

/**
 * Writes the editor's value, on the condition that the key still holds what the page showed
 * (or, for a new entry, that it does not exist): an edit that lost a race is refused, not applied.
 */
async function save(event) {
  event.preventDefault();
  let key;
  let value;
  try {
    key = state.creating ? parseKey($('new-key').value) : state.selected.key;
    value = values.fromEditor($('edit-kind').value, $('edit-value').value);
  } catch (e) {
    message(e.message);
    return;
  }
  const check = state.creating ? { key, absent: true }
      : { key, versionstamp: state.selected.versionstamp };
  const set = { key, set: value };
  if ($('edit-expire').value) set.expireInMs = Number($('edit-expire').value);
  await write([check], [set], state.creating ? 'Created.' : 'Saved.');
}

async function remove() {
  const key = state.selected.key;
  await write([{ key, versionstamp: state.selected.versionstamp }], [{ key, delete: true }],
      'Deleted.');
}

async function write(checks, mutations, done) {
  try {
    const result = await api.call('write', { checks, mutations });
    if (!result.ok) {
      message(state.creating
          ? 'Not saved: this key exists already. Open it from the list to edit it.'
          : 'Not saved: this entry was changed by someone else after it was shown. '
            + 'Reload to see the current value, then edit again.');
      return;
    }
    message(`${done} Versionstamp ${result.versionstamp}.`, true);
    const key = mutations[0].key;
    await loadPage();
    const fresh = (await api.call('get', { keys: [key] })).entries[0];
    if (fresh.value) {
      const row = [...$('entries').querySelectorAll('tr.entry')]
          .find((r) => r.dataset.key === formatKey(key));
      const shown = $('message').textContent;
      select(fresh, row);
      message(shown, true);
    } else {
      state.selected = null;
      $('delete').hidden = true;
    }
  } catch (e) {
    if (e instanceof api.ApiError && e.status !== 401) message(`${e.code}: ${e.message}`);
    else failed(e);
  }
}

function addWatch() {
  const key = state.selected.key;
  if (state.watched.some((k) => formatKey(k) === formatKey(key))) return;
  if (state.watched.length >= MAX_WATCHED) {
    message(`At most ${MAX_WATCHED} keys can be watched at once.`);
    return;
  }
  state.watched.push(key);
  restartWatch();
}

function restartWatch() {
  if (state.stopWatch) state.stopWatch();
  state.stopWatch = null;
  const list = $('watch-list');
  list.replaceChildren();
  if (!state.watched.length || !state.access) {
    $('watch-status').textContent = state.watched.length ? '' : 'Open an entry and watch it to '
        + 'follow its changes live.';
    return;
  }
  for (const key of state.watched) {
    const li = document.createElement('li');
    li.dataset.key = formatKey(key);
    li.textContent = `${formatKey(key)}: ...`;
    list.append(li);
  }
  $('watch-status').textContent = 'Following live.';
  state.stopWatch = api.watch(state.watched, (update) => {
    update.keys.forEach((k, i) => {
      if (!k.changed) return;
      const li = list.children[i];
      li.textContent = k.entry
        ? `${formatKey(k.key)}: ${values.summary(k.entry.value)} @ ${k.entry.versionstamp}`
        : `${formatKey(k.key)}: (no value)`;
      li.classList.add('flash');
      setTimeout(() => li.classList.remove('flash'), 1000);
    });
  }, (e) => {
    $('watch-status').textContent = e ? `Watch ended: ${e.message}` : 'Watch ended.';
  });
}

function init() {
  $('token').value = api.token();
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    api.setToken($('token').value.trim());
    connect();
  });
  $('prefix-form').addEventListener('submit', (event) => {
    event.preventDefault();
    let prefix;
    try {
      prefix = parseKey($('prefix-input').value || '[]');
    } catch (e) {
      status(`Prefix: ${e.message}`);
      return;
    }
    status('');
    state.reverse = $('reverse').checked;
    navigate(prefix);
  });
  $('reverse').addEventListener('change', () => {
    state.reverse = $('reverse').checked;
    navigate(state.prefix);
  });
  $('next').addEventListener('click', () => {
    state.cursors.push(state.nextCursor);
    loadPage().catch(failed);
  });
  $('prev').addEventListener('click', () => {
    state.cursors.pop();
    loadPage().catch(failed);
  });
  $('new-entry').addEventListener('click', startNew);
  $('edit-form').addEventListener('submit', save);
  $('delete').addEventListener('click', remove);
  $('watch').addEventListener('click', addWatch);
  views.init(failed);
  connect();
}

init();
