# CPack pre-build script (cmake/mapfault_packaging.cmake): strips the debug information from the
# staged static libraries of the -dev package (CPACK_STRIP_FILES strips only executables and shared
# objects): 134 MB of -g archives become a few MB, which packs and installs in seconds.
file(GLOB_RECURSE archives "${CPACK_TEMPORARY_DIRECTORY}/*.a")
find_program(strip_program NAMES strip REQUIRED)
foreach(archive IN LISTS archives)
  execute_process(COMMAND ${strip_program} --strip-debug ${archive} COMMAND_ERROR_IS_FATAL ANY)
endforeach()
list(LENGTH archives count)
message(STATUS "mapfault: stripped the debug information of ${count} static libraries")
