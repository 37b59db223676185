# bash completion for mapfault, generated from its command-line definition by
# `mapfault completion bash` (do not edit). Installed as
# /usr/share/bash-completion/completions/mapfault; or: source <(mapfault completion bash)
_mapfault_reply() {  # $1: words to offer, or $2: files | dirs
  case $2 in
    files) mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
    dirs) mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
    *) mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur") ;;
  esac
}
_mapfault() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd="" i
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      list|run|merge|replay|bench-bugs|check|shrink|completion|man) cmd=${COMP_WORDS[i]}; break ;;
    esac
  done
  case $cmd in
    "") _mapfault_reply "--help --help-all list run merge replay bench-bugs check shrink completion man" ;;
    list)
      case $prev in
        --plugin) _mapfault_reply "" files; return ;;
      esac
      if [[ $cur == -* ]]; then _mapfault_reply "-h --help --help-all --json --plugin"; else _mapfault_reply "backends scenarios suites invariants strategies"; fi ;;
    run)
      case $prev in
        --suite) _mapfault_reply "<registry ids>"; return ;;
        --file) _mapfault_reply "" files; return ;;
        --scenario) _mapfault_reply "<registry ids>"; return ;;
        --backend) _mapfault_reply "<registry ids>"; return ;;
        --strategy) _mapfault_reply "<registry ids>"; return ;;
        --mode) _mapfault_reply "auto controlled perturbed"; return ;;
        --out) _mapfault_reply "" dirs; return ;;
        --memory-model) _mapfault_reply "sc c11"; return ;;
        --plugin) _mapfault_reply "" files; return ;;
        --trials|--time-budget|--seed|--jobs|--threads|--keys|--initial|--ops|--max-steps|--max-schedules|--watchdog|--latest-store|--shard) return ;;
      esac
      _mapfault_reply "-h --help --help-all --suite --file --scenario --backend --strategy --mode --trials --time-budget --seed --jobs --out --threads --keys --initial --ops --max-steps --max-schedules --watchdog --no-progress --preempt --memory-model --latest-store --plugin --shard" ;;
    merge)
      case $prev in
        --out) _mapfault_reply "" dirs; return ;;
        --plugin) _mapfault_reply "" files; return ;;
      esac
      if [[ $cur == -* ]]; then _mapfault_reply "-h --help --help-all --out --allow-partial --plugin"; else _mapfault_reply "" dirs; fi ;;
    replay)
      case $prev in
        --plugin) _mapfault_reply "" files; return ;;
        --times|--watchdog) return ;;
      esac
      if [[ $cur == -* ]]; then _mapfault_reply "-h --help --help-all --plugin --times --watchdog"; else _mapfault_reply "" files; fi ;;
    bench-bugs)
      case $prev in
        --backend) _mapfault_reply "<registry ids>"; return ;;
        --scenario) _mapfault_reply "<registry ids>"; return ;;
        --strategy) _mapfault_reply "<registry ids>"; return ;;
        --out) _mapfault_reply "" dirs; return ;;
        --plugin) _mapfault_reply "" files; return ;;
        --reps|--cap|--seed|--replays|--watchdog|--threads|--keys|--initial|--ops|--exhaustive-cap|--certify|--certify-bound|--certify-stale) return ;;
      esac
      _mapfault_reply "-h --help --help-all --backend --scenario --strategy --reps --cap --seed --replays --watchdog --threads --keys --initial --ops --exhaustive-cap --certify --certify-bound --certify-stale --out --no-progress --plugin" ;;
    check)
      case $prev in
        --backend) _mapfault_reply "<registry ids>"; return ;;
        --strategy) _mapfault_reply "<registry ids>"; return ;;
        --plugin) _mapfault_reply "" files; return ;;
        --tests|--seed|--threads|--keys|--initial|--ops|--weights|--growth|--watchdog) return ;;
      esac
      _mapfault_reply "-h --help --help-all --backend --tests --seed --threads --keys --initial --ops --weights --growth --strategy --watchdog --plugin" ;;
    shrink)
      case $prev in
        --plugin) _mapfault_reply "" files; return ;;
        --max-runs|--search-bound|--max-schedules) return ;;
      esac
      if [[ $cur == -* ]]; then _mapfault_reply "-h --help --help-all --max-runs --search-bound --max-schedules --plugin"; else _mapfault_reply "" files; fi ;;
    completion)
      if [[ $cur == -* ]]; then _mapfault_reply "-h --help --help-all"; else _mapfault_reply "bash"; fi ;;
    man)
      _mapfault_reply "-h --help --help-all" ;;
  esac
}
complete -F _mapfault mapfault
