# The dashboard served at / (docs/api.md): its own files (dashboard/src) and the
# npm packages it uses (dashboard/node_modules, installed by
# scripts/install-deps.sh with `npm ci` from dashboard/package-lock.json) are
# compiled into liblightning: an app serves them with nothing on disk and
# nothing fetched from the internet.
set(LIGHTNING_DASHBOARD_DIR ${PROJECT_SOURCE_DIR}/dashboard)
set(_modules ${LIGHTNING_DASHBOARD_DIR}/node_modules)
set(_vendor
  "vendor/uPlot.esm.js=${_modules}/uplot/dist/uPlot.esm.js"
  "vendor/uPlot.min.css=${_modules}/uplot/dist/uPlot.min.css"
  "vendor/fast-json-patch/core.mjs=${_modules}/fast-json-patch/module/core.mjs"
  "vendor/fast-json-patch/helpers.mjs=${_modules}/fast-json-patch/module/helpers.mjs")
foreach(item IN LISTS _vendor)
  string(REGEX REPLACE "^[^=]*=" "" path "${item}")
  if(NOT EXISTS "${path}")
    message(FATAL_ERROR
      "The dashboard's npm packages are missing (no ${path}).\n"
      "Run scripts/install-deps.sh (it runs `npm ci` in dashboard/), then configure again.")
  endif()
endforeach()

file(GLOB _own CONFIGURE_DEPENDS
  ${LIGHTNING_DASHBOARD_DIR}/src/*.html
  ${LIGHTNING_DASHBOARD_DIR}/src/*.js
  ${LIGHTNING_DASHBOARD_DIR}/src/*.css)
set(_manifest "")
set(_depends "")
foreach(path IN LISTS _own)
  get_filename_component(name ${path} NAME)
  string(APPEND _manifest "${name} ${path}\n")
  list(APPEND _depends ${path})
endforeach()
foreach(item IN LISTS _vendor)
  string(REGEX MATCH "^[^=]*" address "${item}")
  string(REGEX REPLACE "^[^=]*=" "" path "${item}")
  string(APPEND _manifest "${address} ${path}\n")
  list(APPEND _depends ${path})
endforeach()
set(LIGHTNING_DASHBOARD_MANIFEST ${PROJECT_BINARY_DIR}/dashboard/files.txt)
file(CONFIGURE OUTPUT ${LIGHTNING_DASHBOARD_MANIFEST} CONTENT "${_manifest}")
set(LIGHTNING_DASHBOARD_CPP ${PROJECT_BINARY_DIR}/dashboard/dashboard_assets.cpp)
add_custom_command(
  OUTPUT ${LIGHTNING_DASHBOARD_CPP}
  COMMAND ${CMAKE_COMMAND} -DMANIFEST=${LIGHTNING_DASHBOARD_MANIFEST}
          -DOUTPUT=${LIGHTNING_DASHBOARD_CPP} -P ${PROJECT_SOURCE_DIR}/cmake/EmbedFiles.cmake
  DEPENDS ${_depends} ${LIGHTNING_DASHBOARD_MANIFEST} ${PROJECT_SOURCE_DIR}/cmake/EmbedFiles.cmake
  COMMENT "Embedding the dashboard's files"
  VERBATIM)
# Generated code: compiled without the project's warning flags.
add_library(lightning_dashboard_assets OBJECT ${LIGHTNING_DASHBOARD_CPP})
target_include_directories(lightning_dashboard_assets PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_compile_features(lightning_dashboard_assets PUBLIC cxx_std_17)
