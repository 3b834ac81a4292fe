#!/usr/bin/env bash
# Shared by the scripts in this directory: find the checkout, make sure Maven and Java are there,
# build the modules if their jars are missing or older than the sources, and give a module's
# runtime classpath.
set -euo pipefail

SYNCBN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Flags every JVM that runs Spark or ND4J code needs on Java 17 (see shared build facts).
SYNCBN_JAVA_OPENS=(
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
)

syncbn_require_tools() {
  if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
      echo "installing Java 17 and Maven with apt-get ..." >&2
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jdk-headless maven >&2
    else
      echo "error: this needs java (17) and mvn on PATH; install them (Debian: apt-get install openjdk-17-jdk-headless maven)" >&2
      exit 2
    fi
  fi
}

# syncbn_stale STAMP: true when STAMP is missing or a source file, a pom or conf/train.properties (which
# the driver jar bundles) is newer than it.
syncbn_stale() {
  local stamp=$1
  [ ! -f "$stamp" ] || [ -n "$(find "$SYNCBN_ROOT" -path '*/src/main/*' -newer "$stamp" -print -quit)" ] \
    || [ -n "$(find "$SYNCBN_ROOT" -maxdepth 2 -name pom.xml -newer "$stamp" -print -quit)" ] \
    || [ "$SYNCBN_ROOT/conf/train.properties" -nt "$stamp" ]
}

# syncbn_build MODULE...: installs the modules (and what they depend on) when a jar is missing or
# a source file is newer than it. The spark-submit jar is not built here (syncbn_submit_jar is).
syncbn_build() {
  syncbn_require_tools
  local stale=0 m stamp
  for m in "$@"; do
    stamp="$SYNCBN_ROOT/$m/target/.built"
    if syncbn_stale "$stamp"; then
      stale=1
    fi
  done
  if [ "$stale" = 1 ]; then
    echo "building $* (mvn install -DskipTests) ..." >&2
    local list
    list=$(IFS=,; echo "$*")
    (cd "$SYNCBN_ROOT" && mvn -B -q -Dstyle.color=never install -DskipTests -Dsyncbn.skipShade=true -pl "$list" -am) >&2
    for m in "$@"; do
      touch "$SYNCBN_ROOT/$m/target/.built"
    done
  fi
}

# syncbn_classpath MODULE: the module's jar and its runtime dependencies, cached next to the jar.
syncbn_classpath() {
  local m=$1 cache="$SYNCBN_ROOT/$1/target/runtime-classpath.txt" jar
  # The module's own jar, not one with a classifier (the driver's shaded "-submit" jar, say).
  jar=$(ls "$SYNCBN_ROOT/$m"/target/"$m"-*.jar | grep -Ev -- '-(submit|sources|javadoc|tests)\.jar$' | head -n 1)
  if [ ! -s "$cache" ] || [ "$SYNCBN_ROOT/$m/pom.xml" -nt "$cache" ] || [ "$SYNCBN_ROOT/pom.xml" -nt "$cache" ]; then
    (cd "$SYNCBN_ROOT" && mvn -B -q -Dstyle.color=never dependency:build-classpath -pl "$m" -DincludeScope=runtime \
      -Dmdep.outputFile="$cache") >&2
    # The plugin leaves an unchanged file untouched; mark it fresh so the next run skips Maven.
    touch "$cache"
  fi
  echo "$jar:$(cat "$cache")"
}

# syncbn_submit_jar: builds the driver's spark-submit jar (Spark, Scala and Hadoop left out) when it is
# missing or stale, and prints its path.
syncbn_submit_jar() {
  syncbn_require_tools
  local stamp="$SYNCBN_ROOT/driver/target/.built-submit" jar
  if syncbn_stale "$stamp" || ! ls "$SYNCBN_ROOT"/driver/target/driver-*-submit.jar >/dev/null 2>&1; then
    echo "building the spark-submit jar (mvn install -DskipTests -pl driver -am) ..." >&2
    (cd "$SYNCBN_ROOT" && mvn -B -q -Dstyle.color=never install -DskipTests -pl driver -am) >&2
    touch "$stamp" "$SYNCBN_ROOT/driver/target/.built"
  fi
  jar=$(ls "$SYNCBN_ROOT"/driver/target/driver-*-submit.jar | head -n 1)
  echo "$jar"
}

# syncbn_java MODULE MAIN ARGS...: runs a main class of a module with the Java 17 flags.
# OpenMP threads (ND4J's and oneDNN's, one libgomp) spin for a while after each parallel region
# by default; on a machine with few cores the spinning thread takes the core from the JVM's Java
# work between native calls (measured: fmnist-cnn steps 16 ms at the median, 10.6 ms with a short
# spin). libgomp reads this when it loads, so it is set in the environment, before Java starts.
SYNCBN_GOMP_SPINCOUNT=10000

syncbn_java() {
  local m=$1 main=$2
  shift 2
  syncbn_build "$m"
  export GOMP_SPINCOUNT="${GOMP_SPINCOUNT:-$SYNCBN_GOMP_SPINCOUNT}"
  exec java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn ${SYNCBN_JAVA_OPTS:-} "${SYNCBN_JAVA_OPENS[@]}" -cp "$(syncbn_classpath "$m")" "$main" "$@"
}
