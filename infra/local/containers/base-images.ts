import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from '../build/run-command.ts';
import { manifestDigest } from './registry.ts';

/**
 * Base images for the local registry, built from Debian packages: Docker Hub is out of reach on the
 * machines the local platform runs on, so `FROM node:24-alpine` can't be pulled. Each image is seeded
 * at first need (a debootstrap minbase rootfs first, then Debian's packages in a layer on it), pushed
 * to the local registry as `<registry>/wharf/base/<name>:<tag>` and remembered by a marker under
 * `<dataDir>/containers/base/<name>.json`, so later starts re-use it. Where Docker Hub answers, the
 * Dockerfile's own base image is pulled as usual.
 */

export const BUILD_IMAGE_SCRIPT = resolve(
  fileURLToPath(new URL('../../build/build-image.sh', import.meta.url)),
);

type Log = (line: string) => void;

interface Recipe {
  tag: string;
  /** What the first-time line says it takes (measured on a 2-core machine). */
  takes: string;
  /** The Containerfile, with `{debian}` for the seeded Debian base. */
  containerfile?: string;
  files?: Record<string, string>;
}

const APT_INSTALL = (packages: string, then = '') =>
  [
    'RUN apt-get update \\',
    ` && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${packages} \\`,
    ` && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb${then ? ' \\' : ''}`,
    ...(then ? [then] : []),
  ].join('\n');

/**
 * initdb from POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB, as the official image does, and for the
 * same two ways of starting: as root (podman run with no user: it drops to postgres), or as uid 999,
 * which is how the rendered manifests run every engine (runAsNonRoot, fsGroup 999 on the volume).
 * Unlike the official image, every start (not only the first) makes the variables true on the data
 * folder it finds: the user exists (a superuser, as the image makes it) with the current password, and
 * its database exists. A rotated password thus takes effect at the restart the rotation rolls out; in a
 * cluster the rendered postStart hook does the same for the official image (shared/manifests).
 * Setup runs on a server that listens on its socket only, so nothing connects before it is done.
 */
const POSTGRES_ENTRYPOINT = `#!/bin/sh
set -eu
PGBIN=/usr/lib/postgresql/15/bin
PGDATA=\${PGDATA:-/var/lib/postgresql/data}
SOCKETS=/run/postgresql
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" "$SOCKETS" && chown postgres:postgres "$PGDATA" "$SOCKETS"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
: "\${POSTGRES_PASSWORD:?POSTGRES_PASSWORD required}"
DB_USER=\${POSTGRES_USER:-postgres}
DB_NAME=\${POSTGRES_DB:-$DB_USER}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA" && chmod 700 "$PGDATA"
  pwfile=$(mktemp)
  printf '%s\\n' "$POSTGRES_PASSWORD" > "$pwfile"
  "$PGBIN/initdb" -D "$PGDATA" -U "$DB_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  echo "host all all 0.0.0.0/0 scram-sha-256" >> "$PGDATA/pg_hba.conf"
  echo "$DB_USER" > "$PGDATA/wharf-superuser"
fi
"$PGBIN/pg_ctl" -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=$SOCKETS" -w -s start >/dev/null
# Connected as the user if it exists, else as the folder's first superuser (the user it was made with;
# \`postgres\` for a folder from before that was noted).
ADMIN=$(for u in "$DB_USER" "$(cat "$PGDATA/wharf-superuser" 2>/dev/null || true)" postgres; do
  if "$PGBIN/psql" -X -q -h "$SOCKETS" -U "$u" -d postgres -c "SELECT 1" >/dev/null 2>&1; then echo "$u"; break; fi
done)
"$PGBIN/psql" -X -q -h "$SOCKETS" -U "\${ADMIN:-$DB_USER}" -d postgres -v ON_ERROR_STOP=1 \\
  -v user="$DB_USER" -v pw="$POSTGRES_PASSWORD" -v db="$DB_NAME" >/dev/null <<'SQL'
SELECT format('CREATE ROLE %I SUPERUSER LOGIN', :'user') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'user') \\gexec
ALTER ROLE :"user" WITH LOGIN PASSWORD :'pw';
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'user') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \\gexec
SQL
"$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w -s stop >/dev/null
exec "$PGBIN/postgres" -D "$PGDATA" -c listen_addresses='*' -c port="\${PGPORT:-5432}"
`;

/**
 * The official image's variables (MARIADB_* or MYSQL_*): root password, a database and its user. As
 * the postgres entrypoint, every start applies them to the data folder it finds (a rotated password
 * replaces the old one), through a bootstrap run that takes no connections. `--datadir=` among the
 * arguments (the rendered manifests pass one) moves the data folder as it does for the official image.
 * Bootstrap mode reads one statement per line.
 */
const MARIADB_ENTRYPOINT = `#!/bin/sh
set -eu
DATADIR=/var/lib/mysql
for arg in "$@"; do
  case "$arg" in --datadir=*) DATADIR=\${arg#--datadir=} ;; esac
done
ROOT_PW=\${MARIADB_ROOT_PASSWORD:-\${MYSQL_ROOT_PASSWORD:-}}
DB=\${MARIADB_DATABASE:-\${MYSQL_DATABASE:-}}
APP_USER=\${MARIADB_USER:-\${MYSQL_USER:-}}
APP_PW=\${MARIADB_PASSWORD:-\${MYSQL_PASSWORD:-}}
sq() { printf '%s' "$1" | sed -e 's/\\\\/\\\\\\\\/g' -e "s/'/''/g"; }
if [ "$(id -u)" = 0 ]; then
  mkdir -p /run/mysqld "$DATADIR" && chown mysql:mysql /run/mysqld "$DATADIR"
  INSTALL_AS=--user=mysql
  RUN_AS=--user=mysql
else
  # Started as the manifests' uid 999: the server runs as that, with its socket where it may write.
  INSTALL_AS=
  RUN_AS="--socket=/tmp/mysqld.sock --pid-file=/tmp/mysqld.pid"
fi
if [ ! -d "$DATADIR/mysql" ]; then
  mkdir -p "$DATADIR"
  mariadb-install-db $INSTALL_AS --datadir="$DATADIR" --skip-test-db >/dev/null
fi
{
  echo "FLUSH PRIVILEGES;"
  if [ -n "$ROOT_PW" ]; then
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '$(sq "$ROOT_PW")';"
    echo "CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '$(sq "$ROOT_PW")';"
    echo "ALTER USER 'root'@'%' IDENTIFIED BY '$(sq "$ROOT_PW")';"
    echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
  fi
  [ -n "$DB" ] && echo "CREATE DATABASE IF NOT EXISTS \\\`$DB\\\`;"
  if [ -n "$APP_USER" ]; then
    echo "CREATE USER IF NOT EXISTS '$(sq "$APP_USER")'@'%' IDENTIFIED BY '$(sq "$APP_PW")';"
    echo "ALTER USER '$(sq "$APP_USER")'@'%' IDENTIFIED BY '$(sq "$APP_PW")';"
    [ -n "$DB" ] && echo "GRANT ALL ON \\\`$DB\\\`.* TO '$(sq "$APP_USER")'@'%';"
  fi
  echo "FLUSH PRIVILEGES;"
} | mariadbd $RUN_AS --datadir="$DATADIR" --bootstrap
exec mariadbd $RUN_AS --datadir="$DATADIR" --bind-address=0.0.0.0 --port="\${MYSQL_TCP_PORT:-3306}"
`;

/** nginx as the nginx-unprivileged image has it: port 8080, uid 101, files in /usr/share/nginx/html. */
const NGINX_UNPRIVILEGED = [
  ' && rm -f /etc/nginx/sites-enabled/default \\',
  ' && mkdir -p /usr/share/nginx/html && echo "<h1>nginx</h1>" > /usr/share/nginx/html/index.html \\',
  " && printf 'server {\\n  listen 8080;\\n  root /usr/share/nginx/html;\\n  index index.html;\\n}\\n' > /etc/nginx/conf.d/default.conf \\",
  " && sed -i -e 's/^user /# user /' -e 's#^pid .*#pid /tmp/nginx.pid;#' /etc/nginx/nginx.conf \\",
  ' && groupadd --gid 101 nginx && useradd --uid 101 --gid 101 --no-create-home --shell /usr/sbin/nologin nginx \\',
  ' && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log \\',
  ' && chown -R 101:101 /var/lib/nginx /var/log/nginx /usr/share/nginx/html /etc/nginx/conf.d',
].join('\n');

const RECIPES = {
  debian: { tag: 'bookworm', takes: '~45 s' },
  node: {
    tag: '18',
    takes: '~1 min',
    containerfile: [
      'FROM {debian}',
      // The official image's user (uid 1000), which generated Dockerfiles switch to.
      APT_INSTALL('nodejs npm ca-certificates', ' && useradd --uid 1000 --create-home --shell /bin/sh node'),
      'CMD ["node"]',
    ].join('\n'),
  },
  nginx: {
    tag: '1.22',
    takes: '~15 s',
    containerfile: [
      'FROM {debian}',
      APT_INSTALL(
        'nginx',
        [
          ' && rm -f /etc/nginx/sites-enabled/default \\',
          ' && mkdir -p /usr/share/nginx/html && echo "<h1>nginx</h1>" > /usr/share/nginx/html/index.html \\',
          " && printf 'server {\\n  listen 80;\\n  root /usr/share/nginx/html;\\n  index index.html;\\n}\\n' > /etc/nginx/conf.d/default.conf \\",
          ' && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log',
        ].join('\n'),
      ),
      'EXPOSE 80',
      'STOPSIGNAL SIGQUIT',
      'CMD ["nginx", "-g", "daemon off;"]',
    ].join('\n'),
  },
  'nginx-unprivileged': {
    tag: '1.22',
    takes: '~15 s',
    containerfile: [
      'FROM {debian}',
      APT_INSTALL('nginx', NGINX_UNPRIVILEGED),
      'USER 101',
      'EXPOSE 8080',
      'STOPSIGNAL SIGQUIT',
      'CMD ["nginx", "-g", "daemon off;"]',
    ].join('\n'),
  },
  postgres: {
    tag: '15',
    takes: '~20 s',
    containerfile: [
      'FROM {debian}',
      // The official image's uid and gid (999), which the rendered manifests run as; Debian's package
      // keeps a postgres user that already exists. Its own cluster is left out: the entrypoint makes one.
      'RUN groupadd -r -g 999 postgres && useradd -r -g postgres -u 999 -d /var/lib/postgresql -s /bin/sh postgres \\',
      ' && mkdir -p /etc/postgresql-common/createcluster.d \\',
      " && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/no-main.conf",
      APT_INSTALL(
        'postgresql-15',
        ' && install -d -o postgres -g postgres -m 2775 /run/postgresql /var/lib/postgresql',
      ),
      'COPY entrypoint.sh /usr/local/bin/pg-entrypoint',
      'ENV PGDATA=/var/lib/postgresql/data',
      'EXPOSE 5432',
      'STOPSIGNAL SIGINT',
      'CMD ["/usr/local/bin/pg-entrypoint"]',
    ].join('\n'),
    files: { 'entrypoint.sh': POSTGRES_ENTRYPOINT },
  },
  mariadb: {
    tag: '10.11',
    takes: '~30 s',
    containerfile: [
      'FROM {debian}',
      APT_INSTALL('mariadb-server'),
      'COPY entrypoint.sh /usr/local/bin/mariadb-entrypoint',
      'EXPOSE 3306',
      // An entrypoint, as the official image's: the manifests' args (--datadir=…) go to it.
      'ENTRYPOINT ["/usr/local/bin/mariadb-entrypoint"]',
    ].join('\n'),
    files: { 'entrypoint.sh': MARIADB_ENTRYPOINT },
  },
  redis: {
    tag: '7',
    takes: '~10 s',
    containerfile: [
      'FROM {debian}',
      APT_INSTALL('redis-server'),
      'USER redis',
      'EXPOSE 6379',
      'CMD ["redis-server", "--protected-mode", "no", "--bind", "0.0.0.0"]',
    ].join('\n'),
  },
  'eclipse-temurin': {
    tag: '17-jre',
    takes: '~30 s',
    containerfile: ['FROM {debian}', APT_INSTALL('openjdk-17-jre-headless'), 'CMD ["jshell"]'].join('\n'),
  },
  // The JDK for build stages (`FROM eclipse-temurin:17-jdk AS build`): javac and jar, no Maven.
  'eclipse-temurin-jdk': {
    tag: '17-jdk',
    takes: '~45 s',
    containerfile: ['FROM {debian}', APT_INSTALL('openjdk-17-jdk-headless'), 'CMD ["jshell"]'].join('\n'),
  },
} satisfies Record<string, Recipe>;

export type BaseImageName = keyof typeof RECIPES;
export const BASE_IMAGE_NAMES = Object.keys(RECIPES) as BaseImageName[];

/** Docker Hub names (after `docker.io/library/`) the Dockerfiles use, and the local image each maps to. */
const SHORT_NAMES: Record<string, BaseImageName> = {
  debian: 'debian',
  node: 'node',
  nginx: 'nginx',
  'nginxinc/nginx-unprivileged': 'nginx-unprivileged',
  postgres: 'postgres',
  mariadb: 'mariadb',
  mysql: 'mariadb',
  redis: 'redis',
  // The tag picks the JDK or the JRE image: see localBaseName.
  'eclipse-temurin': 'eclipse-temurin',
};

/**
 * The local base image a Docker Hub reference stands for (`node`, `node:24-alpine`,
 * `docker.io/library/node:24`…), or undefined for an image of another registry or an unknown name.
 */
export function localBaseName(reference: string): BaseImageName | undefined {
  const name = dockerHubName(reference);
  if (name === undefined) return undefined;
  const withoutTag = name.replace(/:[^/]*$/, '');
  const local = SHORT_NAMES[withoutTag];
  // Temurin's tags pick the JDK or the JRE: `17-jre…` is the runtime, every other tag (`17`, `17-jdk`,
  // `21-jdk-jammy`, none) the JDK.
  if (local === 'eclipse-temurin' && !/jre/.test(tagOf(name))) return 'eclipse-temurin-jdk';
  return local;
}

/** `name[:tag]` of a Docker Hub reference (`mongo:7`, `library/…`, `docker.io/…`), or undefined for another registry's. */
function dockerHubName(reference: string): string | undefined {
  let name = reference.split('@')[0] ?? '';
  for (const prefix of ['docker.io/', 'index.docker.io/', 'registry-1.docker.io/']) {
    if (name.startsWith(prefix)) name = name.slice(prefix.length);
  }
  if (name.startsWith('library/')) name = name.slice('library/'.length);
  // A first part with a dot or a port, or `localhost`, is another registry's host (as Docker reads it).
  const first = name.split('/')[0] ?? '';
  if (name.includes('/') && (/[.:]/.test(first) || first === 'localhost')) return undefined;
  return name;
}

/**
 * Why a Docker Hub image can't run here while Docker Hub is out of reach: podman's own pull error names
 * neither the cause nor what to do.
 */
function notLocal(reference: string): Error {
  if (/^mongo(:|$)/.test(dockerHubName(reference) ?? '')) {
    return new Error(
      'MongoDB has no local image (Debian ships no MongoDB package and Docker Hub is not reachable from here): the local platform runs postgres, mysql (MariaDB) and redis databases; deploy a mongodb project to a cluster',
    );
  }
  return new Error(
    `${reference} is not on this machine and Docker Hub is not reachable from here; the local platform makes these from Debian packages: ${Object.keys(SHORT_NAMES).join(', ')}`,
  );
}

const tagOf = (name: string) => /:([^/]*)$/.exec(name)?.[1] ?? '';

/** Debian bookworm packages Java 17 only: the Java release both local Temurin images carry. */
const LOCAL_JAVA = '17';

/**
 * What the build log should say when the local image differs from the one asked for in more than
 * where it comes from: a Temurin tag for another Java release runs on the local Java 17 image.
 */
export function localBaseNote(reference: string): string | undefined {
  const name = localBaseName(reference);
  if (name !== 'eclipse-temurin' && name !== 'eclipse-temurin-jdk') return undefined;
  const asked = /^(\d+)/.exec(tagOf(reference.split('@')[0] ?? ''))?.[1];
  if (asked === undefined || asked === LOCAL_JAVA) return undefined;
  return `The local platform has Java ${LOCAL_JAVA} only: ${reference} runs on the local Java ${LOCAL_JAVA} image, so code compiled for Java ${asked} (--release ${asked}) fails here; build for ${LOCAL_JAVA} or deploy where Docker Hub is reachable`;
}

/** The Debian mirror apt uses here, so seeding needs no network beyond it. */
export async function debianMirror(): Promise<string> {
  const sources = await readFile('/etc/apt/sources.list.d/debian.sources', 'utf8').catch(() => '');
  const fromDeb822 = /^URIs:\s*(\S+)/m.exec(sources)?.[1];
  if (fromDeb822) return fromDeb822;
  const list = await readFile('/etc/apt/sources.list', 'utf8').catch(() => '');
  const fromList = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+/m.exec(list)?.[1];
  return fromList ?? 'http://deb.debian.org/debian';
}

/** Docker Hub answers its registry API (401 without a token is an answer). */
export async function dockerHubReachable(): Promise<boolean> {
  try {
    await fetch('https://registry-1.docker.io/v2/', { method: 'HEAD', signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}

interface Marker {
  name: string;
  reference: string;
  digest: string;
  recipe: string;
  seededAt: string;
  seconds: number;
}

export interface BaseImagesOptions {
  dataDir: string;
  /** The local registry's `host:port`. */
  registry: string;
  /** The container environment (containerEnvironment(...).env). */
  env: Record<string, string>;
  /** Asked once per instance; default: a 2 s HEAD to registry-1.docker.io. */
  dockerHub?: () => Promise<boolean>;
  /** Upper bound of one seeding command; default 15 minutes. */
  timeoutMs?: number;
  /**
   * A folder of seeded images as OCI archives, shared by data folders on this machine: a fresh data
   * folder loads a base image from it in seconds instead of seeding it again. Default: the
   * WHARF_BASE_IMAGE_CACHE variable, else none (each data folder seeds its own).
   */
  archiveDir?: string | undefined;
}

/** Variables of the machine the seeding commands need (the rest of the platform's stays out). */
function toolEnv(containerEnv: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'LANG', 'TMPDIR', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY']) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  return { ...env, ...containerEnv };
}

const recipeHash = (name: BaseImageName) =>
  createHash('sha256').update(JSON.stringify(RECIPES[name])).digest('hex').slice(0, 16);

export class BaseImages {
  private readonly dir: string;
  private readonly registryUrl: string;
  private readonly env: Record<string, string>;
  private readonly seeding = new Map<BaseImageName, Promise<string>>();
  private hub: Promise<boolean> | undefined;

  constructor(private readonly options: BaseImagesOptions) {
    this.dir = join(options.dataDir, 'containers', 'base');
    this.registryUrl = `http://${options.registry}`;
    this.env = toolEnv(options.env);
  }

  /** `<registry>/wharf/base/<name>:<tag>`. */
  reference(name: BaseImageName): string {
    return `${this.options.registry}/wharf/base/${name}:${RECIPES[name].tag}`;
  }

  /**
   * The image a Dockerfile's `FROM` should use: the reference itself where Docker Hub answers (or it
   * is not a Docker Hub image the platform knows), else the local base image, seeded if needed.
   */
  resolveBaseImage = async (reference: string, log: Log = () => undefined): Promise<string> => {
    const name = localBaseName(reference);
    if (!name && dockerHubName(reference) === undefined) return reference;
    this.hub ??= (this.options.dockerHub ?? dockerHubReachable)();
    if (await this.hub) return reference;
    if (!name) throw notLocal(reference);
    const local = await this.seed(name, log);
    log(`Using the local base image ${local} for ${reference} (Docker Hub is not reachable from here)`);
    const note = localBaseNote(reference);
    if (note) log(note);
    return local;
  };

  /** Seeds `name` (and the Debian base under it) unless the registry holds it already; its reference. */
  seed(name: BaseImageName, log: Log = () => undefined): Promise<string> {
    let pending = this.seeding.get(name);
    if (!pending) {
      pending = this.seedOnce(name, log);
      this.seeding.set(name, pending);
      // A failed seeding is tried again at the next need.
      pending.catch(() => this.seeding.delete(name));
    }
    return pending;
  }

  /** The markers of the images seeded so far (what a warm start re-uses). */
  async seeded(): Promise<Marker[]> {
    const found = await Promise.all(BASE_IMAGE_NAMES.map((name) => this.marker(name)));
    return found.filter((m): m is Marker => m !== undefined);
  }

  private async marker(name: BaseImageName): Promise<Marker | undefined> {
    try {
      return JSON.parse(await readFile(join(this.dir, `${name}.json`), 'utf8')) as Marker;
    } catch {
      return undefined;
    }
  }

  private async seedOnce(name: BaseImageName, log: Log): Promise<string> {
    const reference = this.reference(name);
    const recipe = recipeHash(name);
    const marker = await this.marker(name);
    const [repository, tag] = splitReference(reference);
    if (marker && marker.recipe === recipe && marker.reference === reference) {
      const digest = await manifestDigest(this.registryUrl, repository, tag);
      if (digest === marker.digest) return reference;
    }
    if (await this.loadArchive(name, reference, recipe, log)) return reference;
    const recipeOf: Recipe = RECIPES[name];
    const debian = recipeOf.containerfile ? await this.seed('debian', log) : undefined;
    const started = Date.now();
    log(`Seeding base image ${name} from Debian packages (first time only, ${recipeOf.takes})`);
    const work = join(this.dir, name);
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true, mode: 0o700 });
    const digestFile = join(work, 'digest');
    try {
      if (debian && recipeOf.containerfile) {
        await writeFile(
          join(work, 'Containerfile'),
          `${recipeOf.containerfile.replace('{debian}', debian)}\n`,
        );
        for (const [file, content] of Object.entries(recipeOf.files ?? {})) {
          await writeFile(join(work, file), content);
          await chmod(join(work, file), 0o755);
        }
        await this.run(log, 'build-image.sh', BUILD_IMAGE_SCRIPT, [
          '--context',
          work,
          '--file',
          join(work, 'Containerfile'),
          '--image',
          reference,
          '--digest-file',
          digestFile,
          '--tls-verify',
          'false',
        ]);
      } else {
        await this.seedDebian(work, reference, digestFile, log);
      }
      const digest = (await readFile(digestFile, 'utf8')).trim();
      const seconds = Math.round((Date.now() - started) / 100) / 10;
      const seeded: Marker = { name, reference, digest, recipe, seededAt: new Date().toISOString(), seconds };
      await writeFile(join(this.dir, `${name}.json`), `${JSON.stringify(seeded, null, 2)}\n`);
      log(`Seeded base image ${name} in ${seconds.toFixed(1)} s: ${reference}@${digest}`);
      await this.saveArchive(name, reference, recipe, log);
      return reference;
    } finally {
      // The registry holds the image; the rootfs and build folder are not needed again.
      await rm(work, { recursive: true, force: true });
    }
  }

  private archivePath(name: BaseImageName, recipe: string): string | undefined {
    // An explicit `archiveDir` (even undefined) wins over the variable.
    const dir = 'archiveDir' in this.options ? this.options.archiveDir : process.env.WHARF_BASE_IMAGE_CACHE;
    return dir ? join(dir, `${name}-${RECIPES[name].tag}-${recipe}.oci.tar`) : undefined;
  }

  /** Pushes a cached archive of the same recipe to the registry; false when there is none (or it fails). */
  private async loadArchive(name: BaseImageName, reference: string, recipe: string, log: Log) {
    const archive = this.archivePath(name, recipe);
    if (!archive || !(await stat(archive).catch(() => undefined))) return false;
    const started = Date.now();
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await this.run(log, 'skopeo copy', 'skopeo', [
        'copy',
        '--quiet',
        '--dest-tls-verify=false',
        `oci-archive:${archive}`,
        `docker://${reference}`,
      ]);
      const [repository, tag] = splitReference(reference);
      const digest = await manifestDigest(this.registryUrl, repository, tag);
      if (!digest) return false;
      const seconds = Math.round((Date.now() - started) / 100) / 10;
      const marker: Marker = { name, reference, digest, recipe, seededAt: new Date().toISOString(), seconds };
      await writeFile(join(this.dir, `${name}.json`), `${JSON.stringify(marker, null, 2)}\n`);
      log(`Loaded base image ${name} from this machine's base image cache in ${seconds.toFixed(1)} s`);
      return true;
    } catch {
      // A damaged cache entry: seed from Debian packages as if there were none.
      return false;
    }
  }

  /** Keeps a seeded image for other data folders; written aside, then renamed, so readers never see half. */
  private async saveArchive(name: BaseImageName, reference: string, recipe: string, log: Log) {
    const archive = this.archivePath(name, recipe);
    if (!archive) return;
    await mkdir(dirname(archive), { recursive: true, mode: 0o700 });
    const partial = `${archive}.${process.pid}.${Date.now()}.partial`;
    try {
      await this.run(log, 'skopeo copy', 'skopeo', [
        'copy',
        '--quiet',
        '--src-tls-verify=false',
        `docker://${reference}`,
        `oci-archive:${partial}`,
      ]);
      await rename(partial, archive);
    } catch {
      // Only a cache: the registry holds the image either way.
      await rm(partial, { force: true });
    }
  }

  /** A debootstrap minbase rootfs from the machine's Debian mirror, imported and pushed. */
  private async seedDebian(work: string, reference: string, digestFile: string, log: Log): Promise<void> {
    const rootfs = join(work, 'rootfs');
    const tarball = join(work, 'rootfs.tar');
    const mirror = await debianMirror();
    await this.run(log, 'debootstrap', 'debootstrap', ['--variant=minbase', 'bookworm', rootfs, mirror]);
    await this.run(log, 'clean apt caches', 'sh', [
      '-c',
      'rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*',
      'sh',
      rootfs,
    ]);
    await this.run(log, 'tar', 'tar', ['--numeric-owner', '-C', rootfs, '-cf', tarball, '.']);
    await rm(rootfs, { recursive: true, force: true });
    await this.run(log, 'podman import', 'podman', [
      'import',
      '--change',
      'CMD ["/bin/bash"]',
      tarball,
      reference,
    ]);
    await this.run(log, 'buildah push', 'buildah', [
      'push',
      '--tls-verify=false',
      '--format',
      'oci',
      '--digestfile',
      digestFile,
      reference,
      `docker://${reference}`,
    ]);
  }

  private async run(log: Log, display: string, command: string, args: string[]): Promise<void> {
    await runCommand({
      display,
      command,
      args,
      cwd: this.dir,
      env: this.env,
      timeoutMs: this.options.timeoutMs ?? 15 * 60_000,
      signal: new AbortController().signal,
      onLine: (line) => {
        // debootstrap and apt print a line per package; the step lines and errors are what tell the story.
        if (!/^I: (Retrieving|Validating|Extracting|Unpacking|Configuring) /.test(line)) log(line);
      },
    });
  }
}

/** `host:port/a/b:tag` → [`a/b`, `tag`] (the repository inside the registry and the tag). */
export function splitReference(reference: string): [string, string] {
  const slash = reference.indexOf('/');
  const path = reference.slice(slash + 1);
  const colon = path.lastIndexOf(':');
  return colon === -1 ? [path, 'latest'] : [path.slice(0, colon), path.slice(colon + 1)];
}
