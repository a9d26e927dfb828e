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

# A bare origin at DIR/origin.git and its clone at DIR/repo on main, with a committer set;
# leaves the shell in the clone.
new_repo() {
  git init -q --bare -b main "$1/origin.git"
  git clone -q "$1/origin.git" "$1/repo" 2>/dev/null
  cd "$1/repo"
  git symbolic-ref HEAD refs/heads/main
  git config user.name bench
  git config user.email bench@example.invalid
}
