# Builds and tests one consumer project (tests/consumer/CMakeLists.txt): configure, build with
# JOBS parallel jobs (the shared machine's rule; ctest --build-and-test cannot bound ninja), then
# run its ctest; each step's seconds are printed. With PREFIX, first installs mapfault's build tree
# BUILD into a fresh PREFIX (cmake --install). Any failing step fails the test.
#   cmake -DSOURCE=.. -DBINARY=.. [-DPREFIX=.. -DBUILD=..] [-DMAPFAULT_SOURCE=..] [-DBUILD_TYPE=..]
#         [-DUNITY_BUILD=ON]
#         -DJOBS=N -DGENERATOR=.. -DOPTIONS_FILE=<a file that sets OPTIONS> -P run_consumer.cmake
function(step name)
  string(TIMESTAMP start "%s")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status)
  string(TIMESTAMP end "%s")
  math(EXPR seconds "${end} - ${start}")
  message("consumer step '${name}': ${seconds} s")
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "consumer step '${name}' failed (${status}): ${ARGN}")
  endif()
endfunction()

include(${OPTIONS_FILE})
if(MAPFAULT_SOURCE)
  list(APPEND OPTIONS -DMAPFAULT_SOURCE_DIR=${MAPFAULT_SOURCE})
endif()
if(BUILD_TYPE)
  list(APPEND OPTIONS -DCMAKE_BUILD_TYPE=${BUILD_TYPE})  # after the build's own: the last one wins
endif()
if(UNITY_BUILD)
  list(APPEND OPTIONS -DCMAKE_UNITY_BUILD=ON)
endif()
if(PREFIX)
  file(REMOVE_RECURSE ${PREFIX})
  step(install ${CMAKE_COMMAND} --install ${BUILD} --prefix ${PREFIX})
  list(APPEND OPTIONS -DCMAKE_PREFIX_PATH=${PREFIX})
endif()
file(REMOVE ${BINARY}/CMakeCache.txt)  # a stale cache would remember another mapfault_DIR
step(configure ${CMAKE_COMMAND} -S ${SOURCE} -B ${BINARY} -G ${GENERATOR} ${OPTIONS})
step(build ${CMAKE_COMMAND} --build ${BINARY} --parallel ${JOBS})
step(test ${CMAKE_CTEST_COMMAND} --test-dir ${BINARY} --output-on-failure)
