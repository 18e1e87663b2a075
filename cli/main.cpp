// The `conformance` program: `conformance bench ...` is the benchmark, `conformance diff ...`
// compares two runs' records, anything else a run.
#include "bench_command.h"
#include "diff_command.h"
#include "run_command.h"

#include <string_view>

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "bench")
    return conformance::bench_main(argc - 1, argv + 1);
  if (argc > 1 && std::string_view(argv[1]) == "diff")
    return conformance::diff_main(argc - 1, argv + 1);
  return conformance::run_main(argc, argv);
}
