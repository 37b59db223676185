# mapfault's install rules and CMake package (DESIGN.md section 8; docs/gtest.md#installed).
#
# find_package(mapfault CONFIG REQUIRED) then gives
#   mapfault::plugin       headers only: <mapfault/plugin_abi.h>, <mapfault/plugin.h>
#   mapfault::conformance  + <mapfault/conformance.h> and GoogleTest (the typed conformance suite)
#   mapfault::testing      <mapfault/testing.h> (HoldsControlled, HoldsPerturbed, MAPFAULT_REPLAY),
#                          linking mapfault::core (the static pipeline libraries) and GoogleTest
#   mapfault::core         everything but the CLI: engine, checkers, strategies, scenarios, maps,
#                          plugins, run, reports
#   mapfault::mapfault     the `mapfault` executable
# Two install components, one Debian package each (cmake/mapfault_packaging.cmake): `runtime` (the
# executable, its man page and bash completion) and `dev` (headers, static libraries, CMake files).
include(CMakePackageConfigHelpers)
set(MAPFAULT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/mapfault)
file(STRINGS include/mapfault/plugin_abi.h abi_line REGEX "^#define MAPFAULT_PLUGIN_ABI_VERSION ")
string(REGEX MATCH "[0-9]+" MAPFAULT_PLUGIN_ABI_VERSION "${abi_line}")

# The seam headers: what the public headers include of the tree, transitively. <mapfault/testing.h>
# instantiates the user's map over ControlledSync, whose scheduling points are inline (one
# thread-local load and a call; docs/performance.md), so the sync policies, the scheduler's class
# and the backend concept must be visible to the user's compiler. They are installed under
# include/mapfault/detail/ (on mapfault::core's include path, not mapfault::plugin's); every other
# header of the tree stays private. The set is computed, so a new include in a seam header is
# installed with it; reaching a stage above the engine is a configure error (that would put the
# pipeline's internals into the API).
set(MAPFAULT_SEAM_STAGES harness/base harness/engine)
function(mapfault_seam_headers out)
  set(todo ${ARGN})
  set(seen "")
  while(todo)
    list(POP_FRONT todo file)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${file})
    file(STRINGS ${file} lines REGEX "^#include \"harness/[^\"]+\"")
    foreach(line IN LISTS lines)
      string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" header "${line}")
      get_filename_component(stage ${header} DIRECTORY)
      if(NOT stage IN_LIST MAPFAULT_SEAM_STAGES)
        file(RELATIVE_PATH from ${PROJECT_SOURCE_DIR} ${file})
        message(FATAL_ERROR "${from} includes ${header}: a public header may reach only "
                            "${MAPFAULT_SEAM_STAGES} (cmake/mapfault_install.cmake)")
      endif()
      if(NOT header IN_LIST seen)
        list(APPEND seen ${header})
        list(APPEND todo ${PROJECT_SOURCE_DIR}/${header})
      endif()
    endforeach()
  endwhile()
  list(SORT seen)
  set(${out} ${seen} PARENT_SCOPE)
endfunction()

file(GLOB public_headers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/mapfault/*.h)
mapfault_seam_headers(MAPFAULT_SEAM_HEADERS ${public_headers})
install(FILES ${public_headers} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/mapfault COMPONENT dev)
foreach(header IN LISTS MAPFAULT_SEAM_HEADERS)
  get_filename_component(dir ${header} DIRECTORY)
  install(FILES ${header} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/mapfault/detail/${dir}
          COMPONENT dev)
endforeach()

# The libraries: mapfault::core's stages are static libraries (a test binary links them in), so
# their own dependencies are part of the link interface and the package config finds them.
set(MAPFAULT_INSTALLED_STAGES base engine checkers strategies scenarios maps plugins run reports)
set(stage_targets "")
foreach(stage IN LISTS MAPFAULT_INSTALLED_STAGES)
  set_target_properties(mapfault_${stage} PROPERTIES EXPORT_NAME stage_${stage})
  list(APPEND stage_targets mapfault_${stage})
endforeach()
set(MAPFAULT_HAS_TESTING OFF)
if(TARGET mapfault_testing)
  set(MAPFAULT_HAS_TESTING ON)
  set_target_properties(mapfault_testing PROPERTIES EXPORT_NAME testing)
  list(APPEND stage_targets mapfault_testing mapfault_conformance)
endif()
install(TARGETS mapfault EXPORT mapfaultTargets
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
install(TARGETS mapfault_plugin mapfault_core ${stage_targets} EXPORT mapfaultTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(EXPORT mapfaultTargets NAMESPACE mapfault:: DESTINATION ${MAPFAULT_CMAKE_DIR}
        COMPONENT dev)
configure_package_config_file(cmake/mapfaultConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/mapfaultConfig.cmake
                              INSTALL_DESTINATION ${MAPFAULT_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/mapfaultConfigVersion.cmake
                                 COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/mapfaultConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/mapfaultConfigVersion.cmake
        DESTINATION ${MAPFAULT_CMAKE_DIR} COMPONENT dev)

# The man page and the bash completion, generated by the built binary from its CLI11 definition
# (harness/cli/cli_docs.h; without MAPFAULT_PLUGIN_PATH's plugins), installed with the executable.
# Not in sanitizer or fuzzing builds, which are not installed (and whose binary need not run here).
if(MAPFAULT_SANITIZE OR MAPFAULT_FUZZ)
  return()
endif()
set(docs_dir ${PROJECT_BINARY_DIR}/generated)
add_custom_command(
  OUTPUT ${docs_dir}/mapfault.1 ${docs_dir}/mapfault.1.gz ${docs_dir}/mapfault
  COMMAND ${CMAKE_COMMAND} -E make_directory ${docs_dir}
  COMMAND sh -c "unset MAPFAULT_PLUGIN_PATH; \"$1\" man > \"$2/mapfault.1\"" sh
          $<TARGET_FILE:mapfault> ${docs_dir}
  COMMAND sh -c "unset MAPFAULT_PLUGIN_PATH; \"$1\" completion bash > \"$2/mapfault\"" sh
          $<TARGET_FILE:mapfault> ${docs_dir}
  # Installed compressed, as Debian policy asks (gzip -9n: no name or time stamp, reproducible).
  COMMAND sh -c "gzip -9n -c \"$1/mapfault.1\" > \"$1/mapfault.1.gz\"" sh ${docs_dir}
  DEPENDS mapfault
  COMMENT "Generating the man page and bash completion of mapfault"
  VERBATIM)
add_custom_target(mapfault_docs ALL DEPENDS ${docs_dir}/mapfault.1 ${docs_dir}/mapfault)
install(FILES ${docs_dir}/mapfault.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT runtime)
install(FILES ${docs_dir}/mapfault DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        COMPONENT runtime)
