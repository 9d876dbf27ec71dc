# Sourced by bench/run.sh and bench/types.sh, with $root (the repository) and $cache (their folder) set: finds the
# llama.cpp peer and the JDK, builds infer4j from the working tree (the server jar and the engine's test classes,
# which hold the model generator), and compiles the shim that keeps llama.cpp off its AMX path (no-amx.c).
mkdir -p "$cache"
bin=$("$root/../shared/tools/llama-cpp-peer" 2>/dev/null || /work/shared/tools/llama-cpp-peer)
java=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
[[ -x $java ]] || java=$(command -v java)

echo "== building" >&2
(cd "$root" && mvn -B -q -DskipTests package -pl server -am >&2 && mvn -B -q -DskipTests test-compile -pl engine -am >&2)
cc -O2 -shared -fPIC -o "$cache/no-amx.so" "$root/bench/no-amx.c" -ldl
cp="$root/engine/target/test-classes:$root/engine/target/classes:$root/gguf/target/classes"
