# How liblightning links gRPC. A work process is forked per Work and connects
# to the controller at once; with gRPC, absl, upb, re2 and c-ares as ~60
# shared objects every such process pays for lazy symbol binding and for
# copying ~600 mappings at fork, which doubled its start-up CPU (measured in
# docs/benchmarks.md). So apps link gRPC statically, from Debian's own .a
# archives (PIE code: liblightning is therefore a static library too).
# protobuf stays shared: libtorch links libprotobuf.so and two copies in one
# process would clash.
#
# The HTTP API's /metrics uses prometheus-cpp's core library (Debian's
# prometheus-cpp-dev ships it shared only; docs/design/http.md, "Metrics").
# The journal uses SQLite (shared, libsqlite3) and OpenSSL's libcrypto.
#
# Sets LIGHTNING_LINK_LIBS: what liblightning's users must link, in order.
option(LIGHTNING_STATIC_GRPC "Link gRPC statically into apps (faster work start-up)" ON)

set(_archives grpc++ grpc gpr upb address_sorting cares re2)
set(LIGHTNING_STATIC_GRPC_OK OFF)
if(LIGHTNING_STATIC_GRPC)
  set(_paths "")
  set(LIGHTNING_STATIC_GRPC_OK ON)
  foreach(lib IN LISTS _archives)
    find_library(LIGHTNING_A_${lib} NAMES lib${lib}.a)
    if(NOT LIGHTNING_A_${lib})
      set(LIGHTNING_STATIC_GRPC_OK OFF)
    endif()
    list(APPEND _paths ${LIGHTNING_A_${lib}})
  endforeach()
  file(GLOB _absl LIST_DIRECTORIES false "/usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/libabsl_*.a")
  if(NOT _absl)
    set(LIGHTNING_STATIC_GRPC_OK OFF)
  endif()
endif()

if(LIGHTNING_STATIC_GRPC_OK)
  list(JOIN _paths "," _joined)
  list(JOIN _absl "," _joined_absl)
  set(LIGHTNING_LINK_LIBS
    "-Wl,--start-group" ${_paths} ${_absl} "-Wl,--end-group"
    protobuf ssl crypto z spdlog fmt prometheus-cpp-core sqlite3 Threads::Threads)
  message(STATUS "Lightning: gRPC linked statically into apps")
else()
  set(LIGHTNING_LINK_LIBS gRPC::grpc++ protobuf::libprotobuf spdlog::spdlog prometheus-cpp-core
      sqlite3 crypto Threads::Threads)
  message(STATUS "Lightning: gRPC linked as shared libraries")
endif()
