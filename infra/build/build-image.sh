#!/usr/bin/env bash
# Builds one OCI image with buildah and pushes it: the one build script of the local runner and the
# Jenkins pipeline, so both build with the same flags (layer cache, OCI format, reproducible
# timestamps, chroot isolation: no daemon and no nested container runtime needed).
#
#   build-image.sh --context DIR --file DOCKERFILE --image REF --digest-file PATH
#                  [--tls-verify true|false] [--cache-repo REPO]
#
# REF is where the image is pushed (registry/repository:tag); PATH receives the manifest digest the
# registry stores (sha256:…). Storage and registry settings come from the environment
# (CONTAINERS_STORAGE_CONF, CONTAINERS_CONF, CONTAINERS_REGISTRIES_CONF, REGISTRY_AUTH_FILE).
set -euo pipefail

usage() {
  echo "usage: $0 --context DIR --file DOCKERFILE --image REF --digest-file PATH [--tls-verify true|false] [--cache-repo REPO]" >&2
  exit 2
}

context='' file='' image='' digest_file='' tls_verify=true cache_repo=''
while [ $# -gt 0 ]; do
  case "$1" in
    --context) context=${2:?--context needs a folder}; shift 2 ;;
    --file) file=${2:?--file needs a Dockerfile}; shift 2 ;;
    --image) image=${2:?--image needs an image reference}; shift 2 ;;
    --digest-file) digest_file=${2:?--digest-file needs a path}; shift 2 ;;
    --tls-verify) tls_verify=${2:?--tls-verify needs true or false}; shift 2 ;;
    --cache-repo) cache_repo=${2:?--cache-repo needs a repository}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "unknown option: $1" >&2; usage ;;
  esac
done
[ -n "$context" ] && [ -n "$file" ] && [ -n "$image" ] && [ -n "$digest_file" ] || usage
case "$tls_verify" in true|false) ;; *) echo "--tls-verify takes true or false, not $tls_verify" >&2; exit 2 ;; esac

cache_flags=()
if [ -n "$cache_repo" ]; then
  # Layers shared between builds and machines through the registry (CI agents start empty).
  cache_flags=(--cache-from "$cache_repo" --cache-to "$cache_repo")
fi

echo "Building $image with buildah $(buildah --version | awk '{print $3}')"
buildah bud \
  --layers \
  --format oci \
  --timestamp 0 \
  --isolation chroot \
  --network host \
  --tls-verify="$tls_verify" \
  ${cache_flags[@]+"${cache_flags[@]}"} \
  --file "$file" \
  --tag "$image" \
  "$context"

echo "Pushing $image"
buildah push \
  --tls-verify="$tls_verify" \
  --format oci \
  --digestfile "$digest_file" \
  "$image" \
  "docker://$image"
echo "Pushed $image@$(cat "$digest_file")"
