#!/bin/sh
# One-shot (service temporal-setup, image temporalio/admin-tools): waits until the Temporal frontend is serving,
# creates the namespace if it is missing, and registers keel's search attributes. Safe to run again at any time.
#
# KEEL_SEARCH_ATTRIBUTES holds "Name=Type" pairs separated by spaces, the same list as KEEL_SEARCH_ATTRIBUTE_FLAGS in
# src/contracts/search-attributes.ts (test/unit/deploy checks that they match).
# With SQL visibility (PostgreSQL) adding an attribute that already exists with the same type is a no-op on the server
# (service/frontend/operator_handler.go addSearchAttributesSQL); the CLI fails only if it exists with another type,
# which is a real conflict and fails this setup.
set -eu

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required}"
: "${KEEL_SEARCH_ATTRIBUTES:?KEEL_SEARCH_ATTRIBUTES (Name=Type pairs) is required}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_NAMESPACE_RETENTION:-72h}"
MAX_ATTEMPTS="${SETUP_MAX_ATTEMPTS:-60}"
SLEEP_SECONDS="${SETUP_SLEEP_SECONDS:-2}"

# retry DESCRIPTION COMMAND...: runs COMMAND until it succeeds, at most MAX_ATTEMPTS times.
retry() {
  what="$1"
  shift
  attempt=1
  until "$@"; do
    if [ "$attempt" -ge "$MAX_ATTEMPTS" ]; then
      echo "giving up: $what (after $MAX_ATTEMPTS attempts)" >&2
      return 1
    fi
    echo "waiting: $what (attempt $attempt/$MAX_ATTEMPTS)"
    attempt=$((attempt + 1))
    sleep "$SLEEP_SECONDS"
  done
}

cluster_healthy() {
  temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1
}

namespace_exists() {
  temporal operator namespace describe --namespace "$NAMESPACE" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1
}

# A concurrent creator (or a create that timed out after succeeding) is fine: the namespace existing is the goal.
ensure_namespace() {
  namespace_exists && return 0
  temporal operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION" --address "$TEMPORAL_ADDRESS" || namespace_exists
}

# One create call for all attributes. Right after the namespace is created the frontend may not see it yet
# (namespace registry refresh, 2 s by default), so the call is retried.
create_attributes() {
  set --
  for pair in $KEEL_SEARCH_ATTRIBUTES; do
    set -- "$@" --name "${pair%%=*}" --type "${pair#*=}"
  done
  temporal operator search-attribute create --namespace "$NAMESPACE" --address "$TEMPORAL_ADDRESS" "$@"
}

attributes_listed() {
  listed="$(temporal operator search-attribute list --namespace "$NAMESPACE" --address "$TEMPORAL_ADDRESS")" || return 1
  for pair in $KEEL_SEARCH_ATTRIBUTES; do
    printf '%s\n' "$listed" | grep -qw "${pair%%=*}" || return 1
  done
}

retry "Temporal at $TEMPORAL_ADDRESS to report healthy" cluster_healthy
retry "namespace $NAMESPACE to exist" ensure_namespace
echo "namespace $NAMESPACE is ready"
retry "search attributes $KEEL_SEARCH_ATTRIBUTES to be added" create_attributes
retry "search attributes to be listed on $NAMESPACE" attributes_listed
echo "search attributes ready on $NAMESPACE: $KEEL_SEARCH_ATTRIBUTES"
