#!/bin/sh
# with_source_date.sh EPOCH_FILE COMMAND...: runs COMMAND with SOURCE_DATE_EPOCH set to the
# time in EPOCH_FILE (the commit's, from write_version.cmake), so help2man dates a man page by
# its commit rather than by the build. An empty file (no git) leaves the variable alone.
epoch="$(cat "$1" 2>/dev/null)"
shift
if [ -n "$epoch" ]; then
  SOURCE_DATE_EPOCH="$epoch"
  export SOURCE_DATE_EPOCH
fi
exec "$@"
