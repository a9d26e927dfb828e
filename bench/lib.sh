# Shared by the bench scripts (sourced, after `top` is set to the repository).

# `rel`: the tool to measure: RELEASE_BIN (another build, an older commit's for a
# before/after), else this tree built with the release profile.
release_bin() {
  if [ -n "${RELEASE_BIN:-}" ]; then
    rel=$RELEASE_BIN
  else
    echo "building release (release profile)..." >&2
    (cd "$top" && cargo build --release --quiet)
    rel="$top/target/release/release"
  fi
}

# Stops with how to start it when dockerd does not answer.
need_dockerd() {
  curl -sf --max-time 3 --unix-socket /var/run/docker.sock http://docker/_ping >/dev/null ||
    { echo "dockerd does not answer: run bash .ci/services start" >&2; exit 2; }
}
