// A small PostgreSQL client, written against the protocol documentation
// (https://www.postgresql.org/docs/current/protocol.html) so the sample needs no npm package:
// startup, password authentication (SCRAM-SHA-256, md5, cleartext), simple queries, errors.
// Every value comes back as text, the protocol's default format.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { connect } from 'node:net';

/** A query failed on the server: `code` is the SQLSTATE (e.g. 42P01 for an unknown table). */
export class PgError extends Error {
  constructor(fields) {
    super(fields.M ?? 'the server reported an error');
    this.name = 'PgError';
    this.code = fields.C;
    this.severity = fields.S;
    this.detail = fields.D;
  }
}

/** `postgresql://user:password@host:port/database` into its parts. */
export function parseDatabaseUrl(url) {
  const parsed = new URL(url);
  if (parsed.protocol !== 'postgresql:' && parsed.protocol !== 'postgres:') {
    throw new Error(`DATABASE_URL must start with postgresql://, not ${parsed.protocol}//`);
  }
  const user = decodeURIComponent(parsed.username);
  return {
    host: parsed.hostname || 'localhost',
    port: Number(parsed.port || 5432),
    user,
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.slice(1)) || user,
  };
}

/** A string as an SQL literal. Safe because `connect` insists on standard_conforming_strings=on. */
export function literal(value) {
  const text = String(value);
  if (text.includes('\0')) throw new Error('text must not contain NUL characters');
  return `'${text.replaceAll("'", "''")}'`;
}

// ---- Messages: a type byte, a 4-byte length that counts itself, the body ----

const cstring = (text) => Buffer.from(`${text}\0`, 'utf8');

function message(type, ...parts) {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function int32(value) {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value);
  return b;
}

/** Reads whole messages off the socket, one `next()` at a time. */
class MessageReader {
  #buffer = Buffer.alloc(0);
  #messages = [];
  #waiting = [];
  #failure;

  constructor(socket) {
    socket.on('data', (chunk) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      while (this.#buffer.length >= 5) {
        const length = this.#buffer.readInt32BE(1);
        if (this.#buffer.length < length + 1) break;
        const msg = {
          type: String.fromCharCode(this.#buffer[0]),
          body: this.#buffer.subarray(5, length + 1),
        };
        this.#buffer = this.#buffer.subarray(length + 1);
        const waiter = this.#waiting.shift();
        if (waiter) waiter.resolve(msg);
        else this.#messages.push(msg);
      }
    });
    const fail = (error) => {
      this.#failure ??= error ?? new Error('the database closed the connection');
      for (const waiter of this.#waiting.splice(0)) waiter.reject(this.#failure);
    };
    socket.on('error', fail);
    socket.on('close', () => fail());
  }

  next() {
    const ready = this.#messages.shift();
    if (ready) return Promise.resolve(ready);
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }
}

/** ErrorResponse and NoticeResponse bodies: (field type byte, string)… then a zero byte. */
function fieldsOf(body) {
  const fields = {};
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const end = body.indexOf(0, at + 1);
    fields[String.fromCharCode(body[at])] = body.toString('utf8', at + 1, end);
    at = end + 1;
  }
  return fields;
}

// ---- SCRAM-SHA-256 (RFC 5802 and 7677), as PostgreSQL uses it ----

const hmac = (key, text) => createHmac('sha256', key).update(text).digest();

function scramAttributes(text) {
  return Object.fromEntries(text.split(',').map((part) => [part[0], part.slice(2)]));
}

async function authenticateScram(socket, reader, password, mechanisms) {
  if (!mechanisms.includes('SCRAM-SHA-256')) {
    throw new Error(`the server offers ${mechanisms.join(', ')}; this client speaks SCRAM-SHA-256 only`);
  }
  const clientNonce = randomBytes(18).toString('base64');
  // PostgreSQL takes the user from the startup message, so the SCRAM user name stays empty.
  const clientFirstBare = `n=,r=${clientNonce}`;
  const clientFirst = Buffer.from(`n,,${clientFirstBare}`);
  socket.write(message('p', cstring('SCRAM-SHA-256'), int32(clientFirst.length), clientFirst));

  const serverFirst = await expectAuth(reader, 11);
  const { r: nonce, s: salt, i: iterations } = scramAttributes(serverFirst);
  if (!nonce?.startsWith(clientNonce)) throw new Error('the server answered SCRAM with a foreign nonce');
  const salted = pbkdf2Sync(password, Buffer.from(salt, 'base64'), Number(iterations), 32, 'sha256');
  const clientKey = hmac(salted, 'Client Key');
  const storedKey = createHash('sha256').update(clientKey).digest();
  const finalWithoutProof = `c=biws,r=${nonce}`; // biws = base64("n,,")
  const authMessage = `${clientFirstBare},${serverFirst},${finalWithoutProof}`;
  const signature = hmac(storedKey, authMessage);
  const proof = Buffer.from(clientKey.map((byte, i) => byte ^ signature[i])).toString('base64');
  socket.write(message('p', Buffer.from(`${finalWithoutProof},p=${proof}`)));

  // The server proves it knew the password too: without this check anyone could answer "ok".
  const serverFinal = scramAttributes(await expectAuth(reader, 12));
  const expected = hmac(hmac(salted, 'Server Key'), authMessage);
  const given = Buffer.from(serverFinal.v ?? '', 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new Error('the server failed to prove it knows the password (SCRAM server signature)');
  }
}

/** The next Authentication message must have `code`; its data as text. */
async function expectAuth(reader, code) {
  const msg = await reader.next();
  if (msg.type === 'E') throw new PgError(fieldsOf(msg.body));
  if (msg.type !== 'R' || msg.body.readInt32BE(0) !== code) {
    throw new Error(`unexpected message ${msg.type} during authentication`);
  }
  return msg.body.toString('utf8', 4);
}

// ---- The client ----

export class PgClient {
  #socket;
  #reader;
  #queue = Promise.resolve();
  parameters = {};

  /** Opens a connection and authenticates; rejects with the server's message (wrong password…). */
  static async connect(url, { timeoutMs = 10_000 } = {}) {
    const { host, port, user, password, database } = parseDatabaseUrl(url);
    const socket = connect({ host, port });
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(new Error(`no answer from ${host}:${port} in ${timeoutMs} ms`)),
    );
    const client = new PgClient(socket);
    await new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    try {
      await client.#startup(user, password, database);
    } catch (error) {
      socket.destroy();
      throw error;
    }
    socket.setTimeout(0);
    return client;
  }

  constructor(socket) {
    this.#socket = socket;
    this.#reader = new MessageReader(socket);
    this.closed = new Promise((resolve) => socket.once('close', resolve));
  }

  async #startup(user, password, database) {
    const params = Buffer.concat([
      cstring('user'),
      cstring(user),
      cstring('database'),
      cstring(database),
      Buffer.from([0]),
    ]);
    const body = Buffer.concat([int32(196608), params]); // protocol 3.0
    this.#socket.write(Buffer.concat([int32(body.length + 4), body]));
    for (;;) {
      const msg = await this.#reader.next();
      if (msg.type === 'E') throw new PgError(fieldsOf(msg.body));
      if (msg.type === 'R') {
        const code = msg.body.readInt32BE(0);
        if (code === 3) this.#socket.write(message('p', cstring(password)));
        else if (code === 5) {
          // md5(md5(password + user) + salt), as hex, prefixed with "md5".
          const md5 = (data) => createHash('md5').update(data).digest('hex');
          const salt = msg.body.subarray(4, 8);
          const hashed = md5(Buffer.concat([Buffer.from(md5(password + user)), salt]));
          this.#socket.write(message('p', cstring(`md5${hashed}`)));
        } else if (code === 10) {
          const mechanisms = msg.body.toString('utf8', 4).split('\0').filter(Boolean);
          await authenticateScram(this.#socket, this.#reader, password, mechanisms);
        } else if (code !== 0)
          throw new Error(`the server asks for authentication method ${code}, which this client lacks`);
      } else if (msg.type === 'S') {
        const [name, value] = msg.body.toString('utf8').split('\0');
        this.parameters[name] = value;
      } else if (msg.type === 'Z') break;
      // 'K' (the key to cancel queries) and notices are not needed here.
    }
    if (this.parameters.standard_conforming_strings !== 'on') {
      throw new Error('the server has standard_conforming_strings off; literal() needs it on');
    }
  }

  /** Runs one SQL statement; its rows as objects of text values (null for NULL) and the command tag. */
  query(sql) {
    const run = this.#queue.then(() => this.#query(sql));
    // One statement at a time on one connection: the next waits for this one, whatever its outcome.
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #query(sql) {
    this.#socket.write(message('Q', cstring(sql)));
    let columns = [];
    const rows = [];
    let command;
    let error;
    for (;;) {
      const msg = await this.#reader.next();
      if (msg.type === 'T') {
        columns = [];
        let at = 2;
        for (let i = 0; i < msg.body.readInt16BE(0); i++) {
          const end = msg.body.indexOf(0, at);
          columns.push(msg.body.toString('utf8', at, end));
          at = end + 1 + 18; // table oid, column, type oid, size, modifier, format
        }
      } else if (msg.type === 'D') {
        const row = {};
        let at = 2;
        for (let i = 0; i < msg.body.readInt16BE(0); i++) {
          const length = msg.body.readInt32BE(at);
          at += 4;
          row[columns[i]] = length === -1 ? null : msg.body.toString('utf8', at, at + length);
          if (length > 0) at += length;
        }
        rows.push(row);
      } else if (msg.type === 'C') command = msg.body.toString('utf8', 0, msg.body.length - 1);
      else if (msg.type === 'E') error = new PgError(fieldsOf(msg.body));
      else if (msg.type === 'Z') break; // ReadyForQuery: the statement is over, failed or not
    }
    if (error) throw error;
    return { rows, command };
  }

  /** Says goodbye (Terminate) and closes the socket. */
  async end() {
    if (!this.#socket.destroyed) this.#socket.end(message('X'));
    await this.closed;
  }
}
