#!/usr/bin/env bash
# The shared library exports nothing but the API (bnn_ symbols) and carries a SONAME with the
# major version:   check_exports.sh LIBRARY MAJOR
set -euo pipefail
LIB="$1"
MAJOR="$2"
symbols="$(nm -D --defined-only "$LIB" | awk '{print $NF}')"
if [ -z "$symbols" ]; then
  echo "no exported symbols found in $LIB" >&2
  exit 1
fi
stray="$(grep -v '^bnn_' <<< "$symbols" || true)"
if [ -n "$stray" ]; then
  echo "symbols exported from $LIB without the bnn_ prefix:" >&2
  echo "$stray" >&2
  exit 1
fi
echo "$(wc -l <<< "$symbols") exported symbols, all bnn_"
soname="$(objdump -p "$LIB" | awk '$1 == "SONAME" {print $2}')"
if [ "$soname" != "libbnn.so.$MAJOR" ]; then
  echo "SONAME is '$soname', expected libbnn.so.$MAJOR" >&2
  exit 1
fi
echo "SONAME $soname"
