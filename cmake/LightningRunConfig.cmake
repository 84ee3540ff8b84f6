# lightning-run.json: how lightning-run builds an app against this library
# (docs/design/lightning-run.md). Included by the top-level CMakeLists.txt
# after components/, so that it can describe every component built:
#   - the library: include dirs, liblightning and what it links, compile and
#     link flags, the header to precompile;
#   - "components": one entry per built component (components/<name>/, target
#     lightning_<name>): its include dir, its library and what it links beyond
#     liblightning and libtorch, and whether it needs libtorch;
#   - "missing_components": components of the source tree that this build left
#     out, with the reason (lightning-run says it when an app includes one);
#   - "torch": libtorch's include dirs, compile flags and link items, when
#     libtorch was found (find_package(Torch)).
# A component added later needs no change here nor in lightning-run.
# Two copies: the build tree's (absolute paths) and the install's (paths
# relative to the file, so the prefix can be chosen at install time).

# lightning_json_array and lightning_link_closure: also the component probe's
# (src/cli/templates/probe/), so they live in a file of their own.
include(${CMAKE_CURRENT_LIST_DIR}/LightningLinkClosure.cmake)

# ---- the library ------------------------------------------------------------

# Include dirs of the public dependency (nlohmann_json), minus the ones the
# compiler searches anyway (-isystem /usr/include breaks #include_next).
get_target_property(_lr_dep_includes nlohmann_json::nlohmann_json INTERFACE_INCLUDE_DIRECTORIES)
set(_lr_extra_includes "")
foreach(dir IN LISTS _lr_dep_includes)
  if(dir AND NOT dir MATCHES "\\$<" AND NOT dir IN_LIST CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES)
    list(APPEND _lr_extra_includes "${dir}")
  endif()
endforeach()

# The flags the library was built with that an app must share (e.g. the
# sanitizer presets' -fsanitize=...), plus the language standard and threads.
separate_arguments(_lr_cxx_flags UNIX_COMMAND "${CMAKE_CXX_FLAGS}")
lightning_json_array(_lr_compile_flags -std=c++${CMAKE_CXX_STANDARD} -pthread ${_lr_cxx_flags})
lightning_json_array(_lr_link_flags -pthread ${_lr_cxx_flags})
# liblightning, then what it links (cmake/LightningDeps.cmake); CMake targets
# there (Threads::Threads) are covered by -pthread.
set(_lr_libs -Wl,-Bstatic lightning -Wl,-Bdynamic)
foreach(item IN LISTS LIGHTNING_LINK_LIBS)
  if(NOT item MATCHES "::")
    list(APPEND _lr_libs "${item}")
  endif()
endforeach()
lightning_json_array(_lr_libraries ${_lr_libs})

# ---- libtorch ---------------------------------------------------------------
# Found here too: the top-level CMakeLists.txt finds it only when components
# are built. Where LIGHTNING_WITH_TORCH is OFF (the sanitizer presets) apps get no libtorch
# either; a build without components (LIGHTNING_BUILD_COMPONENTS=OFF) still
# lets lightning-run build libtorch apps.
set(_lr_torch_json "")
set(_lr_torch_items "")
if(NOT DEFINED LIGHTNING_WITH_TORCH OR LIGHTNING_WITH_TORCH)
  find_package(Torch QUIET)
endif()
if(Torch_FOUND)
  set(_lr_torch_includes "")
  foreach(dir IN LISTS TORCH_INCLUDE_DIRS)
    if(NOT dir IN_LIST CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES)
      list(APPEND _lr_torch_includes "${dir}")
    endif()
  endforeach()
  separate_arguments(_lr_torch_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
  lightning_link_closure(_lr_torch_items ${TORCH_LIBRARIES})
  lightning_json_array(_lr_ti ${_lr_torch_includes})
  lightning_json_array(_lr_tf ${_lr_torch_flags})
  lightning_json_array(_lr_tl ${_lr_torch_items})
  string(CONCAT _lr_torch_json
    ",\n  \"torch\": {\n"
    "    \"version\": \"${Torch_VERSION}\",\n"
    "    \"include_dirs\": ${_lr_ti},\n"
    "    \"compile_flags\": ${_lr_tf},\n"
    "    \"libraries\": ${_lr_tl},\n"
    "    \"pch_header\": \"torch/torch.h\"\n"
    "  }")
endif()

# ---- the components -----------------------------------------------------------
# Every components/<name>/ with a CMakeLists.txt is a component; lightning_<name>
# is its target when it was built.
file(GLOB _lr_component_dirs LIST_DIRECTORIES true ${PROJECT_SOURCE_DIR}/components/*)
set(_lr_built "")
set(_lr_missing "")
foreach(dir IN LISTS _lr_component_dirs)
  if(NOT EXISTS ${dir}/CMakeLists.txt)
    continue()
  endif()
  get_filename_component(name ${dir} NAME)
  # Its manifest (docs/components/using.md): the same file a published
  # component has, so that the resolver treats both alike. Its version is the
  # project's; its content_sha256 (of the manifest only: a header edit does
  # not move the apps' lock files) pins it in lightning.lock.
  set(manifest ${dir}/lightning-component.json)
  if(NOT EXISTS ${manifest})
    message(FATAL_ERROR "components/${name}/ has a CMakeLists.txt but no lightning-component.json; "
      "write one (name, version, description, package \"Lightning\", target \"Lightning::${name}\", "
      "torch, dependencies), as the other components/*/ have")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${manifest})
  file(READ ${manifest} text)
  foreach(field name version)
    string(JSON value ERROR_VARIABLE err GET "${text}" ${field})
    if(err)
      message(FATAL_ERROR "${manifest}: cannot read field '${field}': ${err}")
    endif()
    set(_lr_m_${field} "${value}")
  endforeach()
  if(NOT _lr_m_name STREQUAL name)
    message(FATAL_ERROR "${manifest}: field 'name' is '${_lr_m_name}' but the component's "
      "directory is components/${name}/ (target lightning_${name}); make them the same")
  endif()
  if(NOT _lr_m_version STREQUAL PROJECT_VERSION)
    message(FATAL_ERROR "${manifest}: field 'version' is '${_lr_m_version}' but Lightning is "
      "${PROJECT_VERSION}; a built-in component has the project's version: set it to "
      "\"${PROJECT_VERSION}\"")
  endif()
  string(JSON deps ERROR_VARIABLE err GET "${text}" dependencies)
  if(err)
    set(deps "{}")
  endif()
  string(REGEX REPLACE "[\n\t ]+" " " deps "${deps}")
  file(SHA256 ${manifest} sha)
  set(_lr_component_${name}_meta
    "\"version\": \"${_lr_m_version}\", \"content_sha256\": \"${sha}\", \"dependencies\": ${deps}")
  if(NOT TARGET lightning_${name})
    if(NOT LIGHTNING_BUILD_COMPONENTS)
      set(why "this build has no components (LIGHTNING_BUILD_COMPONENTS=OFF); configure with -DLIGHTNING_BUILD_COMPONENTS=ON")
    elseif(NOT LIGHTNING_TORCH_COMPONENTS)
      set(why "it needs libtorch, which this build has not (install libtorch-dev, e.g. apt install libtorch-dev, then configure again with -DLIGHTNING_WITH_TORCH=ON)")
    else()
      set(why "it was not built")
    endif()
    list(APPEND _lr_missing "\"${name}\": \"${why}\"")
    continue()
  endif()
  # What it links beyond liblightning and libtorch (e.g. zlib), and whether it links libtorch.
  get_target_property(links lightning_${name} LINK_LIBRARIES)
  set(needs_torch false)
  set(own "")
  foreach(item IN LISTS links)
    if(item STREQUAL "lightning" OR item STREQUAL "Lightning::lightning")
      continue()
    endif()
    if(Torch_FOUND AND item IN_LIST TORCH_LIBRARIES)
      set(needs_torch true)
      continue()
    endif()
    list(APPEND own "${item}")
  endforeach()
  lightning_link_closure(own_items ${own})
  list(REMOVE_ITEM own_items ${_lr_torch_items})
  list(APPEND _lr_built "${name}")
  set(_lr_component_${name}_items "${own_items}")
  set(_lr_component_${name}_torch ${needs_torch})
endforeach()

# _lr_components_json(<out> <build|install>)
function(_lr_components_json out tree)
  set(entries "")
  foreach(name IN LISTS _lr_built)
    if(tree STREQUAL "build")
      set(inc "${PROJECT_SOURCE_DIR}/components/${name}/include")
      # A component whose headers include another's (serve.hpp includes
      # train.hpp): that one's include dir too (installed, they share one).
      get_target_property(_lr_links lightning_${name} LINK_LIBRARIES)
      foreach(item IN LISTS _lr_links)
        string(REGEX REPLACE "^lightning_" "" other "${item}")
        if(NOT other STREQUAL item AND NOT other STREQUAL name AND
           EXISTS "${PROJECT_SOURCE_DIR}/components/${other}/include")
          list(APPEND inc "${PROJECT_SOURCE_DIR}/components/${other}/include")
        endif()
      endforeach()
      set(lib "$<TARGET_LINKER_FILE:lightning_${name}>")
    else()
      set(inc "${_lr_rel_include}")
      set(lib "${_lr_rel_lib}/$<TARGET_LINKER_FILE_NAME:lightning_${name}>")
    endif()
    lightning_json_array(incs "${inc}")
    lightning_json_array(libs "${lib}" ${_lr_component_${name}_items})
    list(APPEND entries
      "    \"${name}\": {${_lr_component_${name}_meta}, \"include_dirs\": ${incs}, \"libraries\": ${libs}, \"torch\": ${_lr_component_${name}_torch}}")
  endforeach()
  list(JOIN entries ",\n" body)
  list(JOIN _lr_missing ",\n    " missing)
  if(entries)
    set(body "\n${body}\n  ")
  endif()
  if(_lr_missing)
    set(missing "\n    ${missing}\n  ")
  endif()
  set(${out} ",\n  \"components\": {${body}},\n  \"missing_components\": {${missing}}" PARENT_SCOPE)
endfunction()

function(_lr_write_config output tree include_dirs lib_dir library_file)
  lightning_json_array(includes ${include_dirs} ${_lr_extra_includes})
  lightning_json_array(lib_dirs ${lib_dir})
  _lr_components_json(components ${tree})
  string(CONCAT json
    "{\n"
    "  \"format\": 1,\n"
    "  \"version\": \"${PROJECT_VERSION}\",\n"
    "  \"include_dirs\": ${includes},\n"
    "  \"lib_dirs\": ${lib_dirs},\n"
    "  \"libraries\": ${_lr_libraries},\n"
    "  \"library_file\": \"${library_file}\",\n"
    "  \"compile_flags\": ${_lr_compile_flags},\n"
    "  \"link_flags\": ${_lr_link_flags},\n"
    "  \"pch_header\": \"lightning/lightning.hpp\""
    "${components}${_lr_torch_json}\n"
    "}\n")
  file(GENERATE OUTPUT "${output}" CONTENT "${json}")
endfunction()

# Relative to <prefix>/share/lightning; an absolute install dir stays absolute.
function(_lr_install_relpath out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    file(RELATIVE_PATH rel "/_prefix_/${CMAKE_INSTALL_DATADIR}/lightning" "/_prefix_/${dir}")
    set(${out} "${rel}" PARENT_SCOPE)
  endif()
endfunction()
_lr_install_relpath(_lr_rel_include "${CMAKE_INSTALL_INCLUDEDIR}")
_lr_install_relpath(_lr_rel_lib "${CMAKE_INSTALL_LIBDIR}")

_lr_write_config(${PROJECT_BINARY_DIR}/share/lightning/lightning-run.json build
  "${PROJECT_SOURCE_DIR}/include" "$<TARGET_FILE_DIR:lightning>" "$<TARGET_LINKER_FILE:lightning>")
set(_lr_install_config ${PROJECT_BINARY_DIR}/src/cli/lightning-run.install.json)
_lr_write_config(${_lr_install_config} install "${_lr_rel_include}" "${_lr_rel_lib}"
  "${_lr_rel_lib}/$<TARGET_LINKER_FILE_NAME:lightning>")
# LightningInstall installs it as <prefix>/share/lightning/lightning-run.json,
# with the components' libraries and headers.
set_target_properties(lightning-run PROPERTIES LIGHTNING_INSTALL_CONFIG ${_lr_install_config})
set_property(GLOBAL PROPERTY LIGHTNING_BUILT_COMPONENTS "${_lr_built}")
# lightning-run builds apps against the components too.
foreach(name IN LISTS _lr_built)
  add_dependencies(lightning-run lightning_${name})
endforeach()
