// The Entities view: the definitions (attributes, indexes and whether each is ready) and a query
// of one index, through the same checks as gRPC's EntityService Query. It only reads.
import * as api from './api.js';
import { formatKey } from './keys.js';
import * as values from './values.js';

const $ = (id) => document.getElementById(id);
let onFailure = () => {};
let definitions = [];
/** The cursor of the next page of the last query, '' when there is none. */
let nextCursor = '';

export function init(failed) {
  onFailure = failed;
  $('query-form').addEventListener('submit', (e) => {
    e.preventDefault();
    run('');
  });
  $('query-more').addEventListener('click', () => run(nextCursor));
  $('query-entity').addEventListener('change', fillIndexes);
}

export async function load() {
  const answer = await api.call('entities');
  definitions = answer.entities;
  const list = $('entity-list');
  list.replaceChildren();
  if (!definitions.length) {
    const p = document.createElement('p');
    p.className = 'muted';
    p.textContent = 'No entity is defined (EntityService DefineEntity, or atomkv entity define).';
    list.append(p);
  }
  for (const d of definitions) list.append(card(d));
  const select = $('query-entity');
  const chosen = select.value;
  select.replaceChildren(...definitions.map((d) => new Option(d.name, d.name)));
  if (definitions.some((d) => d.name === chosen)) select.value = chosen;
  fillIndexes();
}

function card(d) {
  const box = document.createElement('article');
  box.className = 'entity';
  box.dataset.name = d.name;
  const h = document.createElement('h3');
  h.textContent = `${d.name} (version ${d.version})`;
  const attributes = document.createElement('p');
  attributes.textContent = 'Attributes: '
      + d.attributes.map((a) => `${a.name}: ${a.type.toLowerCase()}`).join(', ');
  const table = document.createElement('table');
  table.className = 'indexes';
  table.createTHead().insertRow().append(...['Index', 'Partition', 'Range', 'State'].map((t) => {
    const th = document.createElement('th');
    th.textContent = t;
    return th;
  }));
  const body = table.createTBody();
  for (const i of d.indexes) {
    const row = body.insertRow();
    row.dataset.index = i.name;
    for (const text of [i.name, i.partition.join(', ') || '\u2014', i.range, i.state]) {
      row.insertCell().textContent = text;
    }
    row.classList.toggle('building', i.state === 'BUILDING');
  }
  box.append(h, attributes, table);
  return box;
}

function fillIndexes() {
  const d = definitions.find((e) => e.name === $('query-entity').value);
  const select = $('query-index');
  const chosen = select.value;
  select.replaceChildren(...(d ? d.indexes : []).map((i) => new Option(
    `${i.name} (${[...i.partition, i.range].join(', ')})${i.state === 'READY' ? '' : ' building'}`,
    i.name)));
  if (d && d.indexes.some((i) => i.name === chosen)) select.value = chosen;
}

/** JSON values typed in a field, as a list: '"eu", 3' or '["eu", 3]'. */
function jsonList(text, field) {
  const t = text.trim();
  if (!t) return [];
  try {
    const v = JSON.parse(t.startsWith('[') ? t : `[${t}]`);
    return Array.isArray(v) ? v : [v];
  } catch (e) {
    throw new Error(`${field}: not JSON values (write strings in double quotes)`);
  }
}

async function run(cursor) {
  $('query-message').textContent = '';
  try {
    const body = {
      entity: $('query-entity').value,
      index: $('query-index').value,
      partition: jsonList($('query-partition').value, 'Partition'),
      limit: Number($('query-limit').value) || 0,
      reverse: $('query-reverse').checked,
      cursor,
    };
    if ($('query-op').value) {
      body.where = { op: $('query-op').value, values: jsonList($('query-values').value, 'Values') };
    }
    const answer = await api.call('query', body);
    show(answer, cursor !== '');
  } catch (e) {
    const text = e instanceof api.ApiError ? `${e.code}: ${e.message}` : String(e.message || e);
    // Results left from an earlier query would read as this one's.
    $('query-results').tBodies[0].replaceChildren();
    $('query-count').textContent = '';
    $('query-more').hidden = true;
    $('query-message').textContent = text;
    if (e instanceof api.ApiError && e.status === 401) onFailure(e);
  }
}

function show(answer, more) {
  const body = $('query-results').tBodies[0];
  if (!more) body.replaceChildren();
  for (const r of answer.results) {
    const row = body.insertRow();
    row.dataset.key = formatKey(r.key);
    row.insertCell().textContent = formatKey(r.key);
    row.insertCell().textContent = values.summary(r.value);
    row.insertCell().textContent = r.versionstamp;
  }
  nextCursor = answer.cursor;
  $('query-more').hidden = !answer.cursor;
  $('query-count').textContent = `${body.rows.length} result(s)`
      + (answer.cursor ? '; more remain' : '');
  const results = $('query-results');
  results.dataset.runs = String(Number(results.dataset.runs || 0) + 1);
}
