#!/usr/bin/env bash
# Runs ../shared/acceptance/run.sh with the given arguments and judges its checks, waiving only
# the checks listed in scripts/acceptance-waivers.txt: checks that we found to disagree with
# Kubernetes' real behaviour (each line there names the check and the evidence). Every other
# failure fails this script. Prints run.sh's output and a closing "N passed, N failed, N skipped"
# line in which waived checks count as skipped.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
RUN=${ACCEPTANCE_RUN:-$HERE/../../shared/acceptance/run.sh}
WAIVERS=$HERE/acceptance-waivers.txt
out=$(mktemp)
# On containerd, run.sh stops the server and deletes its data dir (mktemp -d -t k3ts-acc.XXXXXX)
# but, as with k3s, pods and the pod network outlive the server: note the run's data dir while it
# runs, and end what it left with k3ts killall afterwards, as a user would.
containerd_run=""
case " $* " in *" containerd "*) containerd_run=1 ;; esac
before=$(ls -d "${TMPDIR:-/tmp}"/k3ts-acc.* 2>/dev/null | sort)
seen=$(mktemp)
if [ -n "$containerd_run" ]; then
  ( while sleep 1; do ls -d "${TMPDIR:-/tmp}"/k3ts-acc.* 2>/dev/null >>"$seen"; done ) &
  watcher=$!
fi
"$RUN" "$@" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
if [ -n "$containerd_run" ]; then
  kill "$watcher" 2>/dev/null
  for dir in $(sort -u "$seen" | comm -13 <(echo "$before") -); do
    echo "# k3ts killall --data-dir $dir/data"
    node "$HERE/../bin/k3ts.js" killall --data-dir "$dir/data" 2>&1 | sed 's/^/#   /'
  done
fi
rm -f "$seen"
pass=$(grep -c '^ok - ' "$out")
waived=0
failed=0
while IFS= read -r line; do
  name=${line#not ok - }
  name=${name%%: *}
  if grep -qxF -- "$name" <(grep -v '^#' "$WAIVERS" | cut -d'|' -f1 | sed 's/ *$//'); then
    waived=$((waived + 1)); echo "# waived (disagrees with upstream, see scripts/acceptance-waivers.txt): $name"
  else
    failed=$((failed + 1))
  fi
done < <(grep '^not ok - ' "$out")
# run.sh fails on its own (server never ready) without any "not ok" line of a scenario.
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && [ "$waived" -eq 0 ]; then failed=1; fi
rm -f "$out"
echo "acceptance: $pass passed, $failed failed, $waived skipped"
[ "$failed" -eq 0 ]
