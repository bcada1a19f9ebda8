#!/usr/bin/env bash
# The one image build of Wharf: the local build runner and the Jenkins pipeline both call this script,
# so an image is built with the same buildah flags on a laptop and in CI.
#
#   build-image.sh --context DIR --file DOCKERFILE --image REF --digest-file PATH
#                  [--tls-verify true|false] [--cache-repo REPO]
#
# Builds DOCKERFILE in DIR and pushes the result to REF (registry/repository:tag); PATH receives the
# manifest digest the registry stores (sha256:…), the value a release pins.
#
# Flags, and why:
#   --layers        each instruction's layer is cached (and shared through --cache-repo when given)
#   --format oci    OCI manifests and config, what Harbor and the local registry store as-is
#   --timestamp 0   file times and the image's created date are fixed: the same context and base
#                   give the same digest, so a rebuild that changed nothing changes no digest
#   --isolation chroot  RUN steps need no nested container runtime (works in an unprivileged pod)
# Registry credentials come from REGISTRY_AUTH_FILE only (a containers-auth.json or Docker
# config.json); storage and registry settings from CONTAINERS_STORAGE_CONF, CONTAINERS_CONF and
# CONTAINERS_REGISTRIES_CONF, or buildah's defaults.
set -euo pipefail

usage() {
  echo "usage: ${0##*/} --context DIR --file DOCKERFILE --image REF --digest-file PATH [--tls-verify true|false] [--cache-repo REPO]" >&2
  exit 2
}

fail() {
  echo "${0##*/}: $*" >&2
  exit 2
}

context='' file='' image='' digest_file='' tls_verify=true cache_repo=''
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || { echo "${0##*/}: $1 needs a value" >&2; usage; }
  case "$1" in
    --context) context=$2 ;;
    --file) file=$2 ;;
    --image) image=$2 ;;
    --digest-file) digest_file=$2 ;;
    --tls-verify) tls_verify=$2 ;;
    --cache-repo) cache_repo=$2 ;;
    *) echo "${0##*/}: unknown option $1" >&2; usage ;;
  esac
  shift 2
done
[ -n "$context" ] && [ -n "$file" ] && [ -n "$image" ] && [ -n "$digest_file" ] || usage
[ -d "$context" ] || fail "the build context $context is not a folder"
[ -f "$file" ] || fail "the Dockerfile $file does not exist"
case "$tls_verify" in true | false) ;; *) fail "--tls-verify takes true or false, not $tls_verify" ;; esac

cache=()
if [ -n "$cache_repo" ]; then
  # Agents start with empty storage: the layer cache lives in the registry instead.
  cache=(--cache-from "$cache_repo" --cache-to "$cache_repo")
fi

echo "Building $image with buildah $(buildah --version | awk '{print $3}')"
buildah bud \
  --layers \
  --format oci \
  --timestamp 0 \
  --isolation chroot \
  --network host \
  --tls-verify="$tls_verify" \
  ${cache[@]+"${cache[@]}"} \
  --file "$file" \
  --tag "$image" \
  "$context"

echo "Pushing $image"
buildah push \
  --format oci \
  --tls-verify="$tls_verify" \
  --digestfile "$digest_file" \
  "$image" "docker://$image"
echo "Pushed $image@$(cat "$digest_file")"
