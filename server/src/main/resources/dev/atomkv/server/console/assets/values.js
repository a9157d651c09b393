// Values in the console: how each kind is shown, edited, and sent back (docs/console.md).

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function hexGroups(hex) {
  return (hex.match(/../g) || []).join(' ');
}

function hexToText(hex) {
  const bytes = new Uint8Array((hex.match(/../g) || []).map((b) => parseInt(b, 16)));
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}

/** A short one-line summary for the entry table. */
export function summary(value) {
  let text;
  switch (value.kind) {
    case 'json': text = JSON.stringify(value.value); break;
    case 'bytes': text = `${value.value.length / 2} bytes: ${hexGroups(value.value)}`; break;
    case 'v8':
      if ('decoded' in value) text = JSON.stringify(value.decoded);
      else if ('bigint' in value) text = `${value.bigint}n`;
      else text = `${value.value.length / 2} bytes of V8`;
      break;
    case 'u64': text = `${value.value} (u64)`; break;
    default: text = value.value;
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** The full view of a value, every kind its own way. */
export function view(value) {
  const box = el('div', 'value-view');
  box.dataset.kind = value.kind;
  switch (value.kind) {
    case 'string':
      box.append(el('pre', 'value-text', value.value));
      break;
    case 'json':
      box.append(el('pre', 'value-json', JSON.stringify(value.value, null, 2)));
      break;
    case 'u64':
      box.append(el('pre', 'value-u64', value.value));
      break;
    case 'bytes':
      box.append(el('h4', '', 'hex'), el('pre', 'value-hex', hexGroups(value.value)),
          el('h4', '', 'as UTF-8 text'), el('pre', 'value-bytes-text', hexToText(value.value)));
      break;
    case 'v8':
      if ('decoded' in value) {
        box.append(el('h4', '', 'decoded'),
            el('pre', 'value-v8', JSON.stringify(value.decoded, null, 2)));
      } else if ('bigint' in value) {
        box.append(el('h4', '', 'decoded'), el('pre', 'value-v8', `${value.bigint}n`));
      } else {
        box.append(el('p', 'note', 'A V8 value outside the JSON subset: shown as bytes.'));
      }
      box.append(el('h4', '', 'V8 bytes (hex)'), el('pre', 'value-hex', hexGroups(value.value)));
      break;
    default:
      box.append(el('pre', '', JSON.stringify(value)));
  }
  return box;
}

/** The editor's kind and text for a value. */
export function editable(value) {
  switch (value.kind) {
    case 'json': return { kind: 'json', text: JSON.stringify(value.value, null, 2) };
    case 'v8':
      if ('decoded' in value) return { kind: 'v8', text: JSON.stringify(value.decoded, null, 2) };
      return { kind: 'v8-hex', text: value.value };
    default: return { kind: value.kind, text: value.value };
  }
}

/** The value to send for the editor's kind and text; throws an Error saying what is wrong. */
export function fromEditor(kind, text) {
  switch (kind) {
    case 'string': return { kind, value: text };
    case 'u64': return { kind, value: text.trim() };
    case 'bytes': return { kind, value: text.replace(/\s+/g, '').toLowerCase() };
    case 'v8-hex': return { kind: 'v8', value: text.replace(/\s+/g, '').toLowerCase() };
    case 'json':
    case 'v8': {
      let doc;
      try {
        doc = JSON.parse(text);
      } catch (e) {
        throw new Error(`not valid JSON: ${e.message}`);
      }
      return kind === 'json' ? { kind, value: doc } : { kind, json: doc };
    }
    default: throw new Error(`unknown kind ${kind}`);
  }
}

/** When an entry expires, for people. */
export function expiry(expiresAtMs) {
  return expiresAtMs ? new Date(expiresAtMs).toISOString() : 'never';
}
