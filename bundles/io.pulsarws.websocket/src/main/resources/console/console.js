// The web console of pulsar-websocket. Plain JavaScript, no library, nothing loaded from elsewhere: it speaks the
// gateway's public WebSocket API only (see ../asyncapi.yaml), so everything it does, a program can do the same way.
'use strict';

(() => {
  /** What the page keeps, at most: older lines and messages go first. */
  const MAX_LOG = 500;
  const MAX_DELIVERIES = 1000;
  const HTTP_STATUS = {
    400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
    409: 'Conflict', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable',
    504: 'Gateway Timeout',
  };

  const $ = (id) => document.getElementById(id);
  let codes = { handshake: {}, send: {}, close: {}, browser: {} };
  /** The open (or opening) connection: {ws, kind, url, opened, report, context}; null when there is none. */
  let session = null;

  // ---- building the URL from the form ---------------------------------------------------------------------------

  /** @return [name, value] pairs of "name=value" lines; throws on a line without "=" */
  function pairs(text, what) {
    const out = [];
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line) continue;
      const eq = line.indexOf('=');
      if (eq <= 0) throw new Error(`${what}: "${line}" is not name=value`);
      out.push([line.substring(0, eq).trim(), line.substring(eq + 1).trim()]);
    }
    return out;
  }

  function segment(id) {
    const value = $(id).value.trim();
    if (!value) throw new Error(`${$(id).closest('label').firstChild.textContent.trim()} is empty`);
    return encodeURIComponent(value); // the gateway decodes each segment on its own: "/" in a name is %2F
  }

  /** The gateway's origin and context path, from where this page was served. */
  function origin() {
    const path = location.pathname;
    const at = path.indexOf('/pulsar-websocket/console');
    return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + (at > 0 ? path.substring(0, at) : '');
  }

  /** @return the endpoint's URL; throws with a sentence when the form is incomplete */
  function endpointUrl() {
    const kind = $('endpoint').value;
    const query = new URLSearchParams();
    let path;
    if (kind === 'multi') {
      path = '/ws/v3/consumer/' + segment('subscription');
      const topics = $('topics').value.trim();
      if (topics) query.append('topics', topics);
    } else {
      const v1 = $('version').value === 'v1';
      path = '/ws/' + (v1 ? '' : 'v2/') + kind + '/' + segment('domain') + '/' + segment('tenant')
        + (v1 ? '/' + segment('cluster') : '') + '/' + segment('namespace') + '/' + segment('topic');
      if (kind === 'consumer') path += '/' + segment('subscription');
    }
    for (const [name, value] of pairs($('params').value, 'Query parameters')) {
      if (name === 'token') throw new Error('Query parameters: put the token in the Token field, not in the URL');
      query.append(name, value);
    }
    const q = query.toString();
    return origin() + path + (q ? '?' + q : '');
  }

  function showFields() {
    const kind = $('endpoint').value;
    const multi = kind === 'multi';
    const show = (cls, on) => document.querySelectorAll('.' + cls).forEach((e) => { e.hidden = !on; });
    show('for-single', !multi);
    show('for-v1', !multi && $('version').value === 'v1');
    show('for-multi', multi);
    show('for-subscription', multi || kind === 'consumer');
    refreshUrl();
  }

  function refreshUrl() {
    try {
      $('url').value = endpointUrl();
      $('url').classList.remove('invalid');
    } catch (e) {
      $('url').value = e.message;
      $('url').classList.add('invalid');
    }
    $('snippet').textContent = snippet();
  }

  /** The code a program needs for what the form describes (the token as a variable, never its value). */
  function snippet() {
    let url;
    try { url = endpointUrl(); } catch (e) { url = '...'; }
    const kind = $('endpoint').value;
    const protocols = $('token').value ? '["pulsar-websocket", "token." + token]' : '["pulsar-websocket"]';
    const open = `const ws = new WebSocket(${JSON.stringify(url)}, ${protocols});\n`;
    if (kind === 'producer') {
      return open + 'ws.onopen = () => ws.send(JSON.stringify({\n'
        + '  payload: btoa("Hello"), // base64 of the bytes\n  context: "1",\n}));\n'
        + 'ws.onmessage = (e) => console.log(JSON.parse(e.data)); // {"result":"ok","messageId":...,"context":"1"}\n';
    }
    return open + 'ws.onmessage = (e) => {\n  const m = JSON.parse(e.data);\n'
      + '  console.log(m.messageId, atob(m.payload), m.properties);\n'
      + '  ws.send(JSON.stringify({ messageId: m.messageId })); // '
      + (kind === 'reader' ? 'returns flow-control credit\n' : 'acknowledge\n')
      + '};\n';
  }

  // ---- status, log, explanations --------------------------------------------------------------------------------

  function setStatus(state, headline, detail) {
    const s = $('status');
    s.className = 'status ' + state;
    s.replaceChildren();
    const strong = document.createElement('strong');
    strong.textContent = headline;
    s.append(strong);
    if (detail) {
      const d = document.createElement('span');
      d.className = 'detail';
      d.textContent = detail;
      s.append(d);
    }
  }

  /** Adds a line to the log: dir is "out", "in" or "event"; note explains it in words. */
  function log(dir, text, note) {
    const li = document.createElement('li');
    li.className = dir;
    const time = document.createElement('time');
    time.textContent = new Date().toISOString().substring(11, 23);
    const arrow = document.createElement('span');
    arrow.className = 'dir';
    arrow.textContent = dir === 'out' ? '\u2192' : dir === 'in' ? '\u2190' : '\u2022';
    const body = document.createElement('code');
    body.textContent = text;
    li.append(time, arrow, body);
    if (note) {
      const n = document.createElement('span');
      n.className = 'note';
      n.textContent = note;
      li.append(n);
    }
    const list = $('log');
    list.prepend(li);
    while (list.children.length > MAX_LOG) list.lastElementChild.remove();
  }

  function closeExplained(code, reason) {
    const words = codes.close[code] || codes.browser[code] || (code >= 4000 ? 'an application close code' : '');
    return `close ${code}${reason ? ' "' + reason + '"' : ''}${words ? ': ' + words : ''}`;
  }

  // ---- the connection -------------------------------------------------------------------------------------------

  /** 16 random bytes in base64url: the id under which the gateway keeps a refusal of this handshake for us. */
  function reportId() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function connect(event) {
    event.preventDefault();
    if (session) return;
    let url;
    try {
      url = endpointUrl();
    } catch (e) {
      setStatus('error', 'Cannot connect', e.message);
      return;
    }
    const kind = $('endpoint').value;
    const report = reportId();
    const protocols = ['pulsar-websocket', 'report.' + report];
    const token = $('token').value.trim();
    if (token) protocols.push('token.' + token);
    let ws;
    try {
      ws = new WebSocket(url, protocols);
    } catch (e) {
      setStatus('error', 'Cannot connect', token
        ? 'The token cannot travel as a subprotocol (only letters, digits and !#$%&\'*+-.^_`|~ can); '
          + 'a compact JWT always can. ' + e.message
        : e.message);
      return;
    }
    // payloadFormat=text or json (beyond Pulsar) changes what a frame's payload is, both ways
    const format = new URL(url).searchParams.get('payloadFormat') || 'base64';
    session = { ws, kind, url, opened: false, report, context: 0, format };
    const current = session;
    setStatus('connecting', 'Connecting\u2026', url);
    log('event', 'open ' + url);
    $('connect').disabled = true;
    $('disconnect').disabled = false;
    ws.onopen = () => {
      current.opened = true;
      setStatus('open', `Connected: ${kind === 'multi' ? 'multi-topic consumer' : kind}`,
        `${url} (subprotocol ${ws.protocol || 'none'})`);
      log('event', 'connected', `the handshake answered with the subprotocol ${ws.protocol || '(none)'}`);
      $('send').hidden = kind !== 'producer';
      $('receive').hidden = kind === 'producer';
      $('permits-label').hidden = kind === 'reader'; // pull mode is a consumer's
      $('permit').hidden = kind === 'reader';
    };
    ws.onmessage = (e) => received(current, e.data);
    ws.onclose = (e) => closed(current, e);
  }

  function disconnect() {
    if (session) session.ws.close(1000, 'closed from the console');
  }

  async function closed(current, e) {
    if (session === current) session = null;
    $('connect').disabled = false;
    $('disconnect').disabled = true;
    $('send').hidden = true;
    if (current.opened) {
      const words = closeExplained(e.code, e.reason);
      log('event', 'closed', words);
      setStatus(e.code === 1000 ? 'idle' : 'closed', `Closed (${e.code})`, words);
      return;
    }
    // A browser never shows a refused handshake's HTTP status: ask the gateway, which kept it under our id.
    let refusal = null;
    try {
      const r = await fetch('refusals/' + current.report, { cache: 'no-store' });
      if (r.ok) refusal = await r.json();
    } catch (ignored) {
      // the gateway itself is unreachable
    }
    if (refusal) {
      const name = HTTP_STATUS[refusal.status] || '';
      const words = codes.handshake[refusal.status] || '';
      log('event', `refused: HTTP ${refusal.status} ${name}`, `${refusal.reason}${words ? ' \u2014 ' + words : ''}`);
      setStatus('refused', `Refused: HTTP ${refusal.status} ${name}`,
        `${refusal.reason}${words ? ' \u2014 in general: ' + words : ''}`);
    } else {
      const words = closeExplained(e.code, e.reason);
      log('event', 'could not connect', words);
      setStatus('error', 'Could not connect', words);
    }
  }

  // ---- frames in --------------------------------------------------------------------------------------------------

  function received(current, data) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch (e) {
      log('in', data, 'not JSON: ' + e.message);
      return;
    }
    if (typeof frame.result === 'string') {
      log('in', data, resultInWords(frame));
    } else if (frame.type === 'error') {
      log('in', data, `the ${frame.command} command failed (error ${frame.errorCode}): ${frame.errorMsg}`);
    } else if (typeof frame.endOfTopic === 'boolean') {
      log('in', data, frame.endOfTopic ? 'the topic is terminated and everything has been read'
        : 'the topic is not at its end (or not terminated)');
    } else if (typeof frame.messageId === 'string') {
      log('in', data, 'a message');
      delivered(current, frame);
    } else {
      log('in', data);
    }
  }

  function resultInWords(frame) {
    if (frame.result === 'ok') return `stored as message ${frame.messageId}`;
    const code = frame.result.startsWith('send-error:') ? frame.result.substring(11) : '';
    const words = codes.send[code] || '';
    return `not sent (${frame.result})${words ? ': ' + words : ''}${frame.errorMsg ? ' \u2014 ' + frame.errorMsg : ''}`;
  }

  /** @return the payload as text when it is UTF-8 (pretty JSON when it is JSON), else null */
  function payloadText(base64) {
    let bytes;
    try {
      bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    } catch (e) {
      return null;
    }
    let text;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch (e) {
      return null;
    }
    try {
      const json = JSON.parse(text);
      if (json !== null && typeof json === 'object') return JSON.stringify(json, null, 2);
    } catch (e) {
      // plain text
    }
    return text;
  }

  function delivered(current, m) {
    const li = document.createElement('li');
    li.className = 'delivery';
    li.dataset.messageId = m.messageId;
    const head = document.createElement('div');
    head.className = 'head';
    const facts = [`id ${m.messageId}`];
    if (m.key) facts.push(`key ${m.key}`);
    if (m.publishTime) facts.push(`published ${m.publishTime}`);
    if (m.redeliveryCount) facts.push(`redelivered ${m.redeliveryCount}\u00d7`);
    head.textContent = facts.join(' \u00b7 ');
    const body = document.createElement('pre');
    body.className = 'payload';
    let text;
    if (current.format === 'base64' || m.payloadFormat === 'base64') {
      text = payloadText(m.payload || '');
      if (text === null) text = `(binary, base64) ${m.payload}`;
      else if (current.format !== 'base64') text = `(not ${current.format}: base64) ${text}`;
    } else {
      text = typeof m.payload === 'string' ? m.payload : JSON.stringify(m.payload, null, 2);
    }
    body.textContent = text;
    li.append(head, body);
    if (m.properties && Object.keys(m.properties).length) {
      const props = document.createElement('div');
      props.className = 'properties';
      props.textContent = Object.entries(m.properties).map(([k, v]) => `${k}=${v}`).join('  ');
      li.append(props);
    }
    const actions = document.createElement('div');
    actions.className = 'actions';
    const state = document.createElement('span');
    state.className = 'state';
    const ack = button(current.kind === 'reader' ? 'Ack (credit)' : 'Ack', 'ack', () => {
      if (sendFrame(current, { messageId: m.messageId }, current.kind === 'reader'
        ? 'returns one message of flow-control credit' : 'acknowledged: gone from the backlog')) {
        done(li, 'acked');
      }
    });
    actions.append(ack);
    if (current.kind !== 'reader') {
      actions.append(button('Nack', 'nack', () => {
        if (sendFrame(current, { type: 'negativeAcknowledge', messageId: m.messageId },
          'negative ack: redelivered after negativeAckRedeliveryDelay')) {
          done(li, 'nacked');
        }
      }));
    }
    actions.append(state);
    li.append(actions);
    const list = $('deliveries');
    list.prepend(li);
    while (list.children.length > MAX_DELIVERIES) list.lastElementChild.remove();
  }

  function button(label, cls, onclick) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = cls;
    b.textContent = label;
    b.addEventListener('click', onclick);
    return b;
  }

  function done(li, what) {
    li.classList.add(what);
    li.querySelectorAll('.actions button').forEach((b) => { b.disabled = true; });
    li.querySelector('.state').textContent = what;
  }

  // ---- frames out -------------------------------------------------------------------------------------------------

  /** Sends a frame on the session if it is still open; @return true if it went out */
  function sendFrame(current, frame, note) {
    if (session !== current || current.ws.readyState !== WebSocket.OPEN) {
      log('event', 'not sent', 'the connection is closed');
      return false;
    }
    const text = JSON.stringify(frame);
    current.ws.send(text);
    log('out', text, note);
    return true;
  }

  function base64OfText(text) {
    const bytes = new TextEncoder().encode(text);
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    }
    return btoa(binary);
  }

  /** @return the payload field for what is in the form; throws with a sentence when it cannot be sent as chosen */
  function payloadField(current) {
    const text = $('payload').value;
    if (current.format === 'text') return text; // a JSON string, stored as its UTF-8
    if (current.format === 'json') {
      try {
        return JSON.parse(text); // any JSON value, stored as its compact text
      } catch (e) {
        throw new Error('payloadFormat=json: the payload is not JSON: ' + e.message);
      }
    }
    switch ($('format').value) {
      case 'json':
        try {
          JSON.parse(text);
        } catch (e) {
          throw new Error('The payload is not JSON: ' + e.message);
        }
        return base64OfText(text);
      case 'base64': {
        const b64 = text.replace(/\s+/g, '');
        if (b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) {
          throw new Error('The payload is not base64 (A-Z a-z 0-9 + / with = padding to a multiple of 4)');
        }
        return b64;
      }
      default:
        return base64OfText(text);
    }
  }

  function send(event) {
    event.preventDefault();
    const current = session;
    if (!current || !current.opened) return;
    let frame;
    try {
      frame = { payload: payloadField(current) };
      const key = $('key').value.trim();
      if (key) frame.key = key;
      const properties = pairs($('properties').value, 'Properties');
      if (properties.length) frame.properties = Object.fromEntries(properties);
    } catch (e) {
      log('event', 'not sent', e.message);
      setStatus('open', 'Not sent', e.message);
      return;
    }
    frame.context = String(++current.context);
    sendFrame(current, frame, 'the result comes back with this context');
  }

  function permit(event) {
    event.preventDefault();
    const n = Number($('permits').value);
    if (!Number.isInteger(n) || n < 1) {
      log('event', 'not sent', 'permits must be a positive whole number');
      return;
    }
    if (session) sendFrame(session, { type: 'permit', permitMessages: n }, `pull mode: ${n} more message(s) may come`);
  }

  function endOfTopic() {
    if (session) sendFrame(session, { type: 'isEndOfTopic' }, 'asks whether the topic is terminated and read to its end');
  }

  // ---- wiring -----------------------------------------------------------------------------------------------------

  fetch('codes.json').then((r) => r.json()).then((c) => { codes = c; }).catch(() => {
    log('event', 'codes.json could not be loaded', 'codes are shown without explanations');
  });
  $('connect-form').addEventListener('submit', connect);
  $('disconnect').addEventListener('click', disconnect);
  $('send-form').addEventListener('submit', send);
  $('permit-form').addEventListener('submit', permit);
  $('end-of-topic').addEventListener('click', endOfTopic);
  $('clear').addEventListener('click', () => $('log').replaceChildren());
  $('endpoint').addEventListener('change', showFields);
  $('version').addEventListener('change', showFields);
  $('connect-form').addEventListener('input', refreshUrl);
  showFields();
})();
