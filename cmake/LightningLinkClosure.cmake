# Helpers shared by cmake/LightningRunConfig.cmake (lightning-run.json) and the
# component probe (src/cli/templates/probe/CMakeLists.txt, embedded in the
# `lightning` binary and run after a component is installed): one way to
# turn CMake targets into the files and flags lightning-run links.

# lightning_json_array(<out> <items>...): a JSON array of strings.
function(lightning_json_array out)
  set(items "")
  foreach(item IN LISTS ARGN)
    string(REPLACE "\\" "\\\\" item "${item}")
    string(REPLACE "\"" "\\\"" item "${item}")
    list(APPEND items "\"${item}\"")
  endforeach()
  list(JOIN items ", " joined)
  set(${out} "[${joined}]" PARENT_SCOPE)
endfunction()

# lightning_link_closure(<out> <items>...): the link items of <items> (targets,
# files, flags), with every imported or built library target replaced by its
# file ($<TARGET_LINKER_FILE:...>, evaluated by file(GENERATE)) and followed
# through its INTERFACE_LINK_LIBRARIES, as CMake would link them. Handles what
# TorchConfig.cmake produces: `-Wl,--no-as-needed,"$<TARGET_FILE:torch_cpu>"
# -Wl,--as-needed` and `$<TARGET_PROPERTY:torch_cpu,INTERFACE_LINK_LIBRARIES>`.
function(lightning_link_closure out)
  set(result "")
  set(queue ${ARGN})
  set(seen "")
  while(queue)
    list(POP_FRONT queue item)
    if(item STREQUAL "" OR item IN_LIST seen)
      continue()
    endif()
    list(APPEND seen "${item}")
    if(item STREQUAL "lightning" OR item MATCHES "^Lightning::")
      # liblightning and what it links: the config's own "libraries"; Lightning's
      # components (Lightning::<name> in a component build): lightning-run's.
    elseif(item MATCHES "^\\$<LINK_ONLY:(.*)>$")
      list(PREPEND queue "${CMAKE_MATCH_1}")
    elseif(item MATCHES "^\\$<TARGET_PROPERTY:([^,>]+),INTERFACE_LINK_LIBRARIES>$")
      get_target_property(deps ${CMAKE_MATCH_1} INTERFACE_LINK_LIBRARIES)
      if(deps)
        list(PREPEND queue ${deps})
      endif()
    elseif(NOT item MATCHES "[$<>]" AND TARGET ${item})
      get_target_property(type ${item} TYPE)
      if(NOT type STREQUAL "INTERFACE_LIBRARY")
        list(APPEND result "$<TARGET_LINKER_FILE:${item}>")
      endif()
      get_target_property(deps ${item} INTERFACE_LINK_LIBRARIES)
      if(deps)
        list(PREPEND queue ${deps})
      endif()
    elseif(item MATCHES "::")
      # A namespaced target that does not exist here: an optional dependency.
    else()
      separate_arguments(parts UNIX_COMMAND "${item}")
      list(APPEND result ${parts})
    endif()
  endwhile()
  set(${out} "${result}" PARENT_SCOPE)
endfunction()
