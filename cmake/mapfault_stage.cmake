# mapfault's pipeline stages as CMake libraries (docs/architecture.md).
#
#   mapfault_stage(<name> SOURCES <product sources>... [TESTS <test sources>...]
#                  [STAGES <lower stages>...] [LIBS <public libs>...] [PRIVATE_LIBS <libs>...])
#
# creates the static library mapfault_<name> from the sources of the calling folder, linked only to
# the stages it names (and, through them, the stages below those). The folder may include headers of
# its own stage and of those stages only; mapfault_check_layers() turns any other include of a
# mapfault folder into a build error. TESTS are added to the one test binary (tests/CMakeLists.txt).
function(mapfault_stage name)
  cmake_parse_arguments(S "" "" "SOURCES;TESTS;STAGES;LIBS;PRIVATE_LIBS" ${ARGN})
  add_library(mapfault_${name} STATIC ${S_SOURCES})
  # Installed, a stage sees the seam headers (cmake/mapfault_install.cmake) under mapfault/detail/.
  target_include_directories(mapfault_${name} PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>
                             $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/mapfault/detail>)
  target_compile_features(mapfault_${name} PUBLIC cxx_std_20)
  set(stage_targets "")
  file(RELATIVE_PATH dir ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  set(allowed ${dir})
  foreach(stage IN LISTS S_STAGES)
    if(NOT TARGET mapfault_${stage})
      message(FATAL_ERROR "stage ${name} names stage ${stage}, which is not defined before it")
    endif()
    list(APPEND stage_targets mapfault_${stage})
    get_property(below GLOBAL PROPERTY MAPFAULT_STAGE_ALLOWED_${stage})
    list(APPEND allowed ${below})
  endforeach()
  list(REMOVE_DUPLICATES allowed)
  # mapfault_options (warnings, -Werror, sanitizers) is BUILD_INTERFACE: not part of the installed
  # libraries' link interface, so it never reaches the users of the package.
  target_link_libraries(mapfault_${name} PUBLIC $<BUILD_INTERFACE:mapfault_options> ${stage_targets}
                        ${S_LIBS}
                        PRIVATE ${S_PRIVATE_LIBS})
  set_property(GLOBAL PROPERTY MAPFAULT_STAGE_ALLOWED_${name} ${allowed})
  set_property(GLOBAL APPEND PROPERTY MAPFAULT_STAGES ${name})
  set_property(GLOBAL PROPERTY MAPFAULT_STAGE_DIR_${name} ${dir})
  foreach(test IN LISTS S_TESTS)
    set_property(GLOBAL APPEND PROPERTY MAPFAULT_TEST_SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/${test})
  endforeach()
endfunction()

# Adds the build step that checks every stage's includes (cmake/check_layers.cmake). Call once,
# after every stage is defined.
function(mapfault_check_layers)
  get_property(stages GLOBAL PROPERTY MAPFAULT_STAGES)
  set(spec "")
  set(depends "")
  foreach(stage IN LISTS stages)
    get_property(dir GLOBAL PROPERTY MAPFAULT_STAGE_DIR_${stage})
    get_property(allowed GLOBAL PROPERTY MAPFAULT_STAGE_ALLOWED_${stage})
    list(JOIN allowed "," allowed_text)
    list(APPEND spec "${dir}=${allowed_text}")
    file(GLOB_RECURSE stage_files CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${dir}/*.h
         ${PROJECT_SOURCE_DIR}/${dir}/*.cc)
    list(APPEND depends ${stage_files})
  endforeach()
  list(JOIN spec ";" spec_text)
  set(spec_file ${CMAKE_CURRENT_BINARY_DIR}/mapfault_layers.txt)
  file(WRITE ${spec_file} "${spec_text}")
  set(stamp ${CMAKE_CURRENT_BINARY_DIR}/mapfault_layers.stamp)
  add_custom_command(
    OUTPUT ${stamp}
    COMMAND ${CMAKE_COMMAND} -DROOT=${PROJECT_SOURCE_DIR} -DSPEC_FILE=${spec_file}
            -P ${PROJECT_SOURCE_DIR}/cmake/check_layers.cmake
    COMMAND ${CMAKE_COMMAND} -E touch ${stamp}
    DEPENDS ${depends} ${spec_file} ${PROJECT_SOURCE_DIR}/cmake/check_layers.cmake
    COMMENT "Checking that every stage includes only the stages below it"
    VERBATIM)
  add_custom_target(mapfault_layering ALL DEPENDS ${stamp})
  set(MAPFAULT_LAYERS_SPEC_FILE ${spec_file} PARENT_SCOPE)
endfunction()
