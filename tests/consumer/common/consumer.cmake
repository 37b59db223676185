# The consumer projects' targets and tests (tests/consumer/), once mapfault's targets exist (by
# find_package or add_subdirectory): a gtest suite on a user map linking mapfault::testing, and a
# plugin the mapfault executable loads and runs.
find_package(GTest REQUIRED)
enable_testing()
set(common ${CMAKE_CURRENT_LIST_DIR})

add_library(consumer_plugin MODULE ${common}/plugin.cc)
target_link_libraries(consumer_plugin PRIVATE mapfault::plugin)
target_compile_features(consumer_plugin PRIVATE cxx_std_20)
set_target_properties(consumer_plugin PROPERTIES CXX_VISIBILITY_PRESET hidden)

add_executable(consumer_tests ${common}/consumer_test.cc)
target_link_libraries(consumer_tests PRIVATE mapfault::testing mapfault::conformance
                      GTest::gtest_main)
add_test(NAME consumer_tests COMMAND consumer_tests)

# The plugin's backend holds every claim on two scenarios, run by the mapfault executable of the
# same package or tree: exit status 0 (a plugin that fails to load is a usage error, status 2).
add_test(NAME consumer_plugin_run
         COMMAND $<TARGET_FILE:mapfault::mapfault> run --plugin $<TARGET_FILE:consumer_plugin>
                 --backend consumer.plugin_map --scenario mixed-ops --scenario iterate-while-erase
                 --trials 300 --seed 1 --jobs 2 --no-progress
                 --out ${CMAKE_CURRENT_BINARY_DIR}/plugin-run)
