// `conformance --list [--json]`: every check GoogleTest knows (variants included) with the
// requirement IDs it cites, and which catalogue rows are covered, excluded or still open.
#pragma once

namespace conformance {

void print_check_list(bool as_json);

} // namespace conformance
