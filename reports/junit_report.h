// The JUnit XML report, for CI dashboards: valid against the Jenkins JUnit 10 schema
// (fixtures/schemas/junit-10.xsd). A testsuite per catalogue area, a testcase per check.
#pragma once

#include "checks/result_record.h"

#include <string>

namespace conformance {

std::string to_junit_xml(const RunRecord& record);
// Writes atomically (temporary file, then rename); throws std::runtime_error on failure.
void write_junit_report(const RunRecord& record, const std::string& path);

} // namespace conformance
