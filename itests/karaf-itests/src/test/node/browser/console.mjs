// Drives Debian's Chromium (headless) through the gateway's web console for BrowserConsoleIT, with Playwright's
// library (playwright-core: no browser of its own is downloaded). Usage:
//
//   node console.mjs <scenario> '<JSON arguments>'
//
// It prints one JSON object: what the page showed, for the Java test to assert on, plus "errors" (the page's own
// script errors and console errors, Content-Security-Policy violations included). Exit code 0 when every wait of
// the scenario was met, 1 with "failure" otherwise; every wait is bounded.
import { chromium } from 'playwright-core';
import http from 'node:http';
import path from 'node:path';

const [scenario, json] = process.argv.slice(2);
const args = JSON.parse(json || '{}');
const WAIT = 20_000;
const out = { scenario, errors: [], sockets: [] };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  // the sandbox needs user namespaces, which containers and root often lack; the pages are our own
  args: ['--no-sandbox'],
  timeout: 60_000,
});

async function newPage() {
  const page = await browser.newPage({ viewport: { width: 1180, height: 900 } });
  page.setDefaultTimeout(WAIT);
  page.on('pageerror', (e) => out.errors.push('pageerror: ' + e.message));
  page.on('console', (m) => {
    // Chromium logs every refused handshake itself; refusals are what some scenarios are about
    if (m.type() === 'error' && !m.text().startsWith('WebSocket connection to ')) out.errors.push('console: ' + m.text());
  });
  page.on('websocket', (ws) => out.sockets.push(ws.url()));
  return page;
}

/** Opens the console and connects with the given form values; @return the page */
async function connect(form) {
  const page = await newPage();
  await page.goto(args.console);
  await page.selectOption('#endpoint', form.endpoint);
  if (form.version) await page.selectOption('#version', form.version);
  for (const field of ['tenant', 'cluster', 'namespace', 'topic', 'topics', 'subscription', 'params', 'token']) {
    if (form[field] !== undefined) await page.fill('#' + field, form[field]);
  }
  await page.click('#connect');
  await page.waitForSelector('#status.open, #status.refused, #status.error, #status.closed');
  return page;
}

const statusOf = (page) => page.textContent('#status');
const stateOf = (page) => page.getAttribute('#status', 'class');

async function shot(page, name) {
  if (args.screenshots) await page.screenshot({ path: path.join(args.screenshots, name), fullPage: true });
}

/** Waits until the page lists at least this many deliveries. */
async function awaitDeliveries(page, count) {
  await page.waitForFunction((n) => document.querySelectorAll('#deliveries .delivery').length >= n, count);
}

const scenarios = {
  /** A producer page sends one message; a consumer page sees it and acks it. */
  async roundTrip() {
    const consumer = await connect({ endpoint: 'consumer', topic: args.topic, subscription: args.subscription });
    out.consumerStatus = await statusOf(consumer);
    const producer = await connect({ endpoint: 'producer', topic: args.topic });
    out.producerStatus = await statusOf(producer);
    await producer.fill('#payload', args.text);
    await producer.fill('#key', 'console-key');
    await producer.fill('#properties', 'origin=chromium');
    await producer.click('#send-button');
    await producer.waitForSelector('#log li.in .note:text-matches("stored as message|not sent")');
    out.result = await producer.textContent('#log li.in .note');
    await awaitDeliveries(consumer, 1);
    out.delivered = await consumer.textContent('#deliveries .delivery .payload');
    out.deliveredHead = await consumer.textContent('#deliveries .delivery .head');
    out.deliveredProperties = await consumer.textContent('#deliveries .delivery .properties');
    await consumer.click('#deliveries .delivery button.ack');
    await consumer.waitForSelector('#deliveries .delivery.acked');
    out.ackSent = await consumer.textContent('#log li.out code');
    await shot(producer, 'console-producer.png');
    await shot(consumer, 'console-consumer.png');
  },

  /** Three messages wait in the subscription: ack two, nack one and see it come back. */
  async ackAndNack() {
    const consumer = await connect({
      endpoint: 'consumer', topic: args.topic, subscription: args.subscription,
      params: 'subscriptionType=Shared\nnegativeAckRedeliveryDelay=200', // Shared: the broker counts redeliveries
    });
    out.consumerStatus = await statusOf(consumer);
    await awaitDeliveries(consumer, 3);
    const items = consumer.locator('#deliveries .delivery');
    // the list is newest first: ack the two oldest, nack the newest
    await items.nth(2).locator('button.ack').click();
    await items.nth(1).locator('button.ack').click();
    await items.nth(0).locator('button.nack').click();
    out.nacked = await items.nth(0).getAttribute('data-message-id');
    await awaitDeliveries(consumer, 4); // the nacked one again
    out.redelivered = await consumer.textContent('#deliveries .delivery .head');
    out.acked = await consumer.locator('#deliveries .delivery.acked').count();
    await shot(consumer, 'console-acks.png');
  },

  /**
   * A v3 consumer of two topics in pull mode gets what its permits allow; a reader reads from the earliest
   * message; disconnecting shows the close code in words.
   */
  async pullAndRead() {
    const v3 = await connect({
      endpoint: 'multi', subscription: args.subscription, topics: args.topics,
      params: 'subscriptionInitialPosition=Earliest\npullMode=true',
    });
    out.v3Status = await statusOf(v3);
    await v3.fill('#permits', '2');
    await v3.click('#permit');
    await awaitDeliveries(v3, 2);
    await v3.fill('#permits', '1');
    await v3.click('#permit');
    await awaitDeliveries(v3, 3);
    out.pulled = await v3.locator('#deliveries .delivery .payload').allTextContents();
    out.permitsSent = await v3.locator('#log li.out code').allTextContents();
    await v3.click('#disconnect');
    await v3.waitForSelector('#status.idle, #status.closed');
    out.v3Closed = await statusOf(v3);

    const reader = await connect({ endpoint: 'reader', topic: args.readerTopic, params: 'messageId=earliest' });
    out.readerStatus = await statusOf(reader);
    await awaitDeliveries(reader, 2);
    out.read = await reader.locator('#deliveries .delivery .payload').allTextContents();
    out.readerButtons = await reader.locator('#deliveries .delivery button').allTextContents();
    await reader.locator('#deliveries .delivery button.ack').first().click();
    await reader.waitForSelector('#deliveries .delivery.acked');
    out.permitHidden = await reader.isHidden('#permit');
    await shot(reader, 'console-reader.png');
  },

  /** payloadFormat=json on both pages: a JSON value goes out as JSON and is shown as JSON, no base64 anywhere. */
  async jsonRoundTrip() {
    const consumer = await connect({
      endpoint: 'consumer', topic: args.topic, subscription: 'json', params: 'payloadFormat=json',
    });
    const producer = await connect({ endpoint: 'producer', topic: args.topic, params: 'payloadFormat=json' });
    await producer.fill('#payload', args.json);
    await producer.click('#send-button');
    await producer.waitForSelector('#log li.in .note:text-matches("stored as message|not sent")');
    out.sent = await producer.textContent('#log li.out code');
    out.result = await producer.textContent('#log li.in .note');
    await awaitDeliveries(consumer, 1);
    out.delivered = await consumer.textContent('#deliveries .delivery .payload');
    out.frame = await consumer.textContent('#log li.in code');
  },

  /** A handshake the gateway refuses: the page shows the HTTP status and reason, which a browser never gets. */
  async refused() {
    const page = await connect(args.form);
    out.state = await stateOf(page);
    out.status = await statusOf(page);
    if (args.screenshot) await shot(page, args.screenshot);
  },

  /** With authentication on: without a token, refused; with one, offered as a subprotocol, produce works. */
  async token() {
    const without = await connect({ endpoint: 'producer', topic: args.topic });
    out.withoutState = await stateOf(without);
    out.withoutStatus = await statusOf(without);
    const page = await connect({ endpoint: 'producer', topic: args.topic, token: args.token });
    out.withState = await stateOf(page);
    out.withStatus = await statusOf(page);
    if (out.withState.includes('open')) {
      await page.click('#send-button');
      await page.waitForSelector('#log li.in .note');
      out.result = await page.textContent('#log li.in .note');
    }
    out.snippet = await page.textContent('#snippet');
  },

  /**
   * The HTTP fallback with the browser's own EventSource: a reader stream that the gateway ends reconnects by
   * itself, sending Last-Event-ID, and resumes right after that message.
   */
  async eventSource() {
    const page = await newPage();
    await page.goto(args.page);
    await page.evaluate((url) => {
      window.got = [];
      window.opens = 0;
      window.sessions = [];
      window.closes = [];
      const es = new EventSource(url);
      window.es = es;
      es.onopen = () => { window.opens++; };
      es.onmessage = (e) => window.got.push({ id: e.lastEventId, payload: JSON.parse(e.data).payload });
      es.addEventListener('session', (e) => window.sessions.push(JSON.parse(e.data).session));
      es.addEventListener('close', (e) => window.closes.push(JSON.parse(e.data)));
    }, args.url);
    await page.waitForFunction((n) => window.got.length >= n && window.opens >= 2, args.expect, { timeout: 90_000 });
    Object.assign(out, await page.evaluate(() => {
      window.es.close();
      return { got: window.got, opens: window.opens, sessions: window.sessions, closes: window.closes };
    }));
  },

  /** A page of another origin (a loopback server on another port) opens a WebSocket to the gateway. */
  async foreignOrigin() {
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(`<!doctype html><title>foreign</title><script>
        const ws = new WebSocket(${JSON.stringify(args.endpoint)});
        ws.onopen = () => { document.title = 'open'; ws.close(); };
        ws.onclose = (e) => { if (document.title !== 'open') document.title = 'closed ' + e.code; };
      </script>`);
    });
    await new Promise((resolve) => server.listen(args.port, '127.0.0.1', resolve));
    try {
      const page = await newPage();
      await page.goto(`http://127.0.0.1:${args.port}/`);
      await page.waitForFunction(() => document.title !== 'foreign');
      out.origin = await page.evaluate(() => location.origin);
      out.outcome = await page.title();
    } finally {
      server.close();
    }
  },

  /**
   * A page of another, allowed origin POSTs a send frame with a W3C traceparent header, as a page's tracing
   * instrumentation does: Chromium preflights the request (a JSON body, a header of its own) before it sends it.
   */
  async foreignTracedPost() {
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(`<!doctype html><title>foreign</title><script>
        fetch(${JSON.stringify(args.url)}, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', traceparent: ${JSON.stringify(args.traceparent)} },
          body: JSON.stringify({ payload: btoa('traced') }),
        }).then((r) => r.text().then((t) => { document.title = 'status ' + r.status + ' ' + t; }),
                (e) => { document.title = 'failed ' + e; });
      </script>`);
    });
    await new Promise((resolve) => server.listen(args.port, '127.0.0.1', resolve));
    try {
      const page = await newPage();
      await page.goto(`http://127.0.0.1:${args.port}/`);
      await page.waitForFunction(() => document.title !== 'foreign', null, { timeout: 30000 });
      out.origin = await page.evaluate(() => location.origin);
      out.outcome = await page.title();
    } finally {
      server.close();
    }
  },

  /**
   * Issue 26, part 3: on the console's own page, a consumer and a producer WebSocket opened as any page opens them;
   * Chromium offers permessage-deflate itself. The page reports what each socket negotiated, the send result and the
   * delivered payload.
   */
  async compressedRoundTrip() {
    const page = await newPage();
    await page.goto(args.console);
    const shown = await page.evaluate(async ({ consumerUrl, producerUrl, payload, wait }) => {
      const bounded = (p, what) => Promise.race([
        p, new Promise((_, reject) => setTimeout(() => reject(new Error('timed out: ' + what)), wait))]);
      const open = (url) => bounded(new Promise((resolve, reject) => {
        const ws = new WebSocket(url);
        ws.onopen = () => resolve(ws);
        ws.onerror = () => reject(new Error('not opened: ' + url));
      }), 'open ' + url);
      const next = (ws, what) => bounded(new Promise((resolve) => { ws.onmessage = (e) => resolve(e.data); }), what);
      const consumer = await open(consumerUrl);
      const producer = await open(producerUrl);
      const delivered = next(consumer, 'delivery');
      const result = next(producer, 'result');
      producer.send(JSON.stringify({ payload, context: 'chromium' }));
      const shown = {
        producerExtensions: producer.extensions,
        consumerExtensions: consumer.extensions,
        result: JSON.parse(await result).result,
        delivered: JSON.parse(await delivered).payload,
      };
      producer.close();
      consumer.close();
      return shown;
    }, { consumerUrl: args.consumer, producerUrl: args.producer, payload: args.payload, wait: WAIT });
    Object.assign(out, shown);
  },

  /**
   * A page of another site (localhost, while the gateway is reached as 127.0.0.1) asks for an HTTP-fallback event
   * stream with autoAck=true the two ways a page needs no permission for: a no-cors fetch and an image. Neither
   * carries an Origin; Chromium marks both Sec-Fetch-Site: cross-site. The title says when both were answered.
   */
  async crossSiteNoCors() {
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(`<!doctype html><title>cross-site</title><body><script>
        const url = ${JSON.stringify(args.url)};
        let left = 2;
        const one = () => { if (--left === 0) document.title = 'answered'; };
        fetch(url, { mode: 'no-cors' }).then(one, one);
        const img = new Image();
        img.onload = one; img.onerror = one;
        img.src = url + '&img=1';
      </script></body>`);
    });
    await new Promise((resolve) => server.listen(args.port, '127.0.0.1', resolve));
    try {
      const page = await newPage();
      await page.goto(`http://localhost:${args.port}/`);
      await page.waitForFunction(() => document.title === 'answered', null, { timeout: 30000 });
      out.origin = await page.evaluate(() => location.origin);
      out.outcome = await page.title();
      // the two refusals are what this page must see: Chromium reports each as a failed resource, not an error
      const refused = 'console: Failed to load resource: the server responded with a status of 403 (Forbidden)';
      out.refusedLoads = out.errors.filter((e) => e === refused).length;
      out.errors = out.errors.filter((e) => e !== refused);
    } finally {
      server.close();
    }
  },
};

let code = 0;
try {
  if (!scenarios[scenario]) throw new Error('no scenario ' + scenario);
  await scenarios[scenario]();
} catch (e) {
  out.failure = String(e && e.stack ? e.stack : e);
  code = 1;
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + '\n');
process.exit(code);
