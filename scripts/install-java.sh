#!/usr/bin/env bash
# Java for the Spark engine (pyspark 4 needs Java 17+): Debian's OpenJDK, installed only when missing or too old.
set -euo pipefail
java_major() { "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\)\.\{0,1\}\([0-9]*\).*/\1 \2/p' | head -1 |
  awk '{ print ($1 == 1) ? $2 : $1 }'; }
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/java}"
java_bin="${java_bin:-$(command -v java || true)}"
if [ -n "$java_bin" ] && [ -x "$java_bin" ] && [ "$(java_major "$java_bin")" -ge 17 ] 2>/dev/null; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Java 17+ is missing: run 'sudo apt-get install -y openjdk-17-jre-headless' (the Spark engine and its tests need it)" >&2
  exit 1
fi
apt-get update -qq
for package in openjdk-17-jre-headless openjdk-21-jre-headless default-jre-headless; do
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null 2>&1; then break; fi
done
java -version
