# Installs liblightning, its headers, lightning-run and its config, and a CMake
# package so that an out-of-tree project can do
#   find_package(Lightning REQUIRED)
#   target_link_libraries(app PRIVATE Lightning::lightning)
# Layout under the prefix: lib/liblightning.a, include/lightning/*.hpp,
# bin/lightning-run, bin/lightning, share/lightning/lightning-run.json,
# lib/cmake/Lightning/{LightningConfig,LightningConfigVersion,LightningTargets}.cmake.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(LIGHTNING_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/Lightning
    CACHE STRING "Where LightningConfig.cmake is installed, relative to the prefix")

# The public headers need C++17, so a consumer must compile with it. (Better
# declared next to the target, as target_compile_features(lightning PUBLIC
# cxx_std_17) in src/CMakeLists.txt; this is a no-op once it is.)
get_target_property(_lightning_features lightning INTERFACE_COMPILE_FEATURES)
if(NOT _lightning_features MATCHES "cxx_std_")
  target_compile_features(lightning PUBLIC cxx_std_17)
endif()

install(TARGETS lightning lightning-run lightning-cli
  EXPORT LightningTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# (The include dir comes from lightning's $<INSTALL_INTERFACE:...> in src/CMakeLists.txt.)
# lightning-worker, next to lightning-run: a program only (nothing links it).
install(TARGETS lightning-worker RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/lightning
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h")

# The components built (cmake/LightningRunConfig.cmake): their libraries and
# headers, for the installed lightning-run (lightning-run.json's "components").
get_property(_lightning_components GLOBAL PROPERTY LIGHTNING_BUILT_COMPONENTS)
foreach(name IN LISTS _lightning_components)
  install(TARGETS lightning_${name}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/components/${name}/include/lightning
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
    FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h")
endforeach()

# The built-in components as Lightning::<name> in the package config, so that
# a component (docs/components/publishing.md) builds the same against an
# installed Lightning as against the package `lightning` generates from
# lightning-run.json (src/cli/component_build.cpp). Made from what
# lightning-run.json is made of (cmake/LightningRunConfig.cmake), not by
# install(EXPORT): the components link lightning_internal PRIVATEly, which
# is not installed, so CMake refuses to export them.
set(LIGHTNING_COMPONENT_TARGETS "")
set(_lightning_torch_targets "")
set(_lightning_extra_libraries "")
foreach(name IN LISTS _lightning_components)
  set(_links "")
  get_target_property(_direct lightning_${name} LINK_LIBRARIES)
  foreach(item IN LISTS _direct)
    string(REGEX REPLACE "^lightning_" "" other "${item}")
    if(NOT other STREQUAL item AND other IN_LIST _lightning_components)
      list(APPEND _links "Lightning::${other}")
    endif()
  endforeach()
  # The link closure lightning-run.json has (imported targets as
  # $<TARGET_LINKER_FILE:...>, evaluated when the config is generated below);
  # a library of this project that is not a component (serve's protocol
  # library) is installed beside the components and named by its file there.
  foreach(item IN LISTS _lr_component_${name}_items)
    if(item MATCHES "^\\$<TARGET_LINKER_FILE:(lightning_[A-Za-z0-9_]+)>$")
      set(target "${CMAKE_MATCH_1}")
      string(REGEX REPLACE "^lightning_" "" other "${target}")
      if(NOT other IN_LIST _lightning_components)
        list(APPEND _lightning_extra_libraries ${target})
        list(APPEND _links "\${_Lightning_PREFIX}/${CMAKE_INSTALL_LIBDIR}/$<TARGET_LINKER_FILE_NAME:${target}>")
      endif()
    else()
      list(APPEND _links "${item}")
    endif()
  endforeach()
  list(APPEND _links "Lightning::lightning")
  if(_lr_component_${name}_torch)
    list(APPEND _links "\${TORCH_LIBRARIES}")
  endif()
  string(CONCAT _code
    "if(NOT TARGET Lightning::${name})\n"
    "  add_library(Lightning::${name} STATIC IMPORTED)\n"
    "  set_target_properties(Lightning::${name} PROPERTIES\n"
    "    IMPORTED_LOCATION \"\${_Lightning_PREFIX}/${CMAKE_INSTALL_LIBDIR}/"
    "$<TARGET_LINKER_FILE_NAME:lightning_${name}>\"\n"
    "    INTERFACE_INCLUDE_DIRECTORIES \"\${_Lightning_PREFIX}/${CMAKE_INSTALL_INCLUDEDIR}\"\n"
    "    INTERFACE_LINK_LIBRARIES \"${_links}\")\n"
    "endif()\n")
  if(_lr_component_${name}_torch)
    string(APPEND _lightning_torch_targets "${_code}")
  else()
    string(APPEND LIGHTNING_COMPONENT_TARGETS "${_code}")
  endif()
endforeach()
if(_lightning_torch_targets)
  string(APPEND LIGHTNING_COMPONENT_TARGETS
    "find_package(Torch QUIET)\nif(Torch_FOUND)\n${_lightning_torch_targets}endif()\n")
endif()
list(REMOVE_DUPLICATES _lightning_extra_libraries)
foreach(target IN LISTS _lightning_extra_libraries)
  install(TARGETS ${target}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
endforeach()

get_target_property(_lightning_run_config lightning-run LIGHTNING_INSTALL_CONFIG)
install(FILES ${_lightning_run_config}
  DESTINATION ${CMAKE_INSTALL_DATADIR}/lightning
  RENAME lightning-run.json)

install(EXPORT LightningTargets
  FILE LightningTargets.cmake
  NAMESPACE Lightning::
  DESTINATION ${LIGHTNING_INSTALL_CMAKEDIR})

configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/LightningConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/LightningConfig.cmake.in
  INSTALL_DESTINATION ${LIGHTNING_INSTALL_CMAKEDIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_BINDIR)
# The components' library files ($<TARGET_LINKER_FILE...>) are known at
# generation time.
file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/cmake/LightningConfig.cmake
  INPUT ${PROJECT_BINARY_DIR}/cmake/LightningConfig.cmake.in)
# 0.x: a minor version may break the API, so only the same minor is compatible.
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/cmake/LightningConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/cmake/LightningConfig.cmake
  ${PROJECT_BINARY_DIR}/cmake/LightningConfigVersion.cmake
  DESTINATION ${LIGHTNING_INSTALL_CMAKEDIR})
