# Sourced by stack.sh and ab.sh: the CPU a process (or some of its threads) has used, from /proc.
# CPU time (user + system) in microseconds from a /proc .../stat file: "pid (name) state … utime stime …", read once (a
# thread may end between two reads; then 0). The name may hold spaces and parentheses, so it runs to the last ")";
# utime and stime are the 12th and 13th fields after it.
clock_ticks=$(getconf CLK_TCK)
stat_cpu_us() { # stat-file [name-prefix: 0 unless the name starts with it]
  local line name fields
  line=$(cat "$1" 2>/dev/null) || { echo 0; return; }
  name=${line#*(}; name=${name%)*}
  [[ $name == "${2:-}"* ]] || { echo 0; return; }
  read -ra fields <<< "${line##*) }"
  echo $(((${fields[11]:-0} + ${fields[12]:-0}) * 1000000 / clock_ticks))
}
# What a process has used so far.
cpu_us() { stat_cpu_us "/proc/$1/stat"; }
# The same for the process's threads whose name starts with a prefix (the runtime names its own: ".NET Tiered Com" compiles
# methods again with optimizations, ".NET Server GC" collects). A lower bound: threads that ended are not counted, and the
# runtime ends its compiling thread when it has nothing to do and starts another later.
threads_cpu_us() { # pid name-prefix
  local total=0 task
  for task in /proc/"$1"/task/*; do
    total=$((total + $(stat_cpu_us "$task/stat" "$2")))
  done
  echo "$total"
}
