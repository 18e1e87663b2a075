# `cmake --install` and the Debian package (CPack): both programs in bin/, a man page for each
# (and for the `bench` and `diff` subcommands) made from the programs' own --help at build time
# so it cannot drift, with the examples and exit statuses of cmake/man/*.h2m, and the README
# and licence in share/doc/conformance.
include(GNUInstallDirs)

install(TARGETS conformance reference-server RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/LICENSE
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
# Debian keeps a package's licence in share/doc/<package>/copyright.
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright)

find_program(HELP2MAN help2man)
find_program(GZIP gzip)
if(HELP2MAN AND GZIP)
  set(man_dir ${CMAKE_BINARY_DIR}/man)
  set(man_pages)
  # page name; program target; what to add to the program's command line; NAME section
  set(pages
      "conformance|conformance||black-box conformance suite for OAuth 2.1 and MCP authorization servers"
      "conformance-bench|conformance|bench|token throughput and latency of an authorization server"
      "conformance-diff|conformance|diff|what changed between two conformance result records"
      "reference-server|reference-server||OAuth 2.1 authorization server with deliberate faults")
  foreach(page IN LISTS pages)
    string(REPLACE "|" ";" fields "${page}")
    list(GET fields 0 name)
    list(GET fields 1 program)
    list(GET fields 2 sub)
    list(GET fields 3 summary)
    set(help_option "--help")
    set(version_option "--version")
    set(rename_page ${CMAKE_COMMAND} -E true)
    if(sub)
      set(help_option "${sub} --help")
      # help2man names the page after the program: a subcommand's page gets its own name
      # (conformance-bench) and its synopsis the whole command (conformance bench).
      string(TOUPPER "${name}" title)
      set(rename_page sed -i -e "s/^\\.TH CONFORMANCE /.TH ${title} /"
          -e "s/^conformance \\\\- /${name} \\\\- /" -e "s/^\\.B ${sub}$/.B conformance ${sub}/"
          ${man_dir}/${name}.1)
    endif()
    add_custom_command(
      OUTPUT ${man_dir}/${name}.1.gz
      COMMAND ${CMAKE_COMMAND} -E make_directory ${man_dir}
      COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/with_source_date.sh ${version_dir}/source_date_epoch
              ${HELP2MAN} --no-info --no-discard-stderr "--name=${summary}"
              "--help-option=${help_option}" "--version-option=${version_option}"
              --include=${CMAKE_CURRENT_LIST_DIR}/man/${name}.h2m
              --output=${man_dir}/${name}.1 $<TARGET_FILE:${program}>
      COMMAND ${rename_page}
      COMMAND ${GZIP} -9nf ${man_dir}/${name}.1
      DEPENDS ${program} ${version_dir}/source_date_epoch ${CMAKE_CURRENT_LIST_DIR}/man/${name}.h2m
      COMMENT "Man page ${name}(1)" VERBATIM)
    list(APPEND man_pages ${man_dir}/${name}.1.gz)
  endforeach()
  add_custom_target(man_pages ALL DEPENDS ${man_pages})
  install(FILES ${man_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(WARNING "help2man or gzip not found: no man pages are built or installed "
                  "(.ci/setup installs help2man)")
endif()

# The Debian package. Its version is read at packaging time from the file the build writes
# (cmake/write_version.cmake), so it is the commit the programs were built from.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME conformance)
set(CPACK_PACKAGE_VENDOR "conformance")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Conformance harness for OAuth 2.1 and MCP authorization servers")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
    "A black-box suite that discovers an OAuth 2.1 or MCP authorization server, drives real "
    "authorization-code + PKCE flows and judges the catalogue's requirements from HTTP, with "
    "JUnit, HTML, JSON and Markdown reports, a load generator (conformance bench), run-to-run "
    "diffs, and a reference server with deliberate faults.")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "conformance maintainers <conformance@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
# The libraries the programs link (libcurl, OpenSSL, gumbo, cpp-httplib, libstdc++...) become
# Depends with their minimum versions, as dpkg-shlibdeps finds them.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The browser driver (--driver browser) and the HTML report tests run Chromium.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "chromium")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_CHECKSUM SHA256)
configure_file(${CMAKE_CURRENT_LIST_DIR}/cpack_project_config.cmake.in
               ${CMAKE_BINARY_DIR}/cpack_project_config.cmake @ONLY)
set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_BINARY_DIR}/cpack_project_config.cmake)
include(CPack)
