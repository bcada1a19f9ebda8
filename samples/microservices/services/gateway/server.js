// The entry service: `GET /` asks the orders service, found by the ORDERS_URL Wharf injects.
import { createServer } from 'node:http';

const port = Number(process.env.PORT || 8080);
const ordersUrl = process.env.ORDERS_URL;

const send = (res, status, body) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body, null, 2)}\n`);

async function callOrders() {
  if (!ordersUrl) {
    return {
      status: 500,
      body: {
        error:
          'ORDERS_URL is not set: deploy this service in a microservices project with a service named "orders".',
      },
    };
  }
  const url = new URL('/orders', ordersUrl);
  try {
    const answer = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const text = await answer.text();
    if (!answer.ok)
      return { status: 502, body: { error: `orders answered ${answer.status}`, url: url.href, text } };
    return { status: 200, body: { service: 'gateway', calledUrl: url.href, orders: JSON.parse(text) } };
  } catch (error) {
    return {
      status: 502,
      body: { error: `could not reach orders: ${error.cause?.code ?? error.message}`, url: url.href },
    };
  }
}

const server = createServer(async (req, res) => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method !== 'GET') return send(res, 405, { error: 'GET only' });
  if (path === '/actuator/health/readiness' || path === '/actuator/health/liveness') {
    return send(res, 200, { status: 'UP' });
  }
  if (path === '/') {
    const { status, body } = await callOrders();
    return send(res, status, body);
  }
  return send(res, 404, { error: 'not found' });
});

server.listen(port, () =>
  console.log(`gateway listening on port ${port}, orders at ${ordersUrl ?? '(ORDERS_URL not set)'}`),
);

const stop = () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 5000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
