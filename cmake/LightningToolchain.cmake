# Fast-build defaults: ccache when present, lld when the compiler can use it, and
# warnings for project code (errors with LIGHTNING_WERROR, as CI builds).
find_program(LIGHTNING_CCACHE ccache)
if(LIGHTNING_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${LIGHTNING_CCACHE})
endif()

include(CheckLinkerFlag)
check_linker_flag(CXX "-fuse-ld=lld" LIGHTNING_HAS_LLD)
if(LIGHTNING_HAS_LLD)
  add_link_options(-fuse-ld=lld)
endif()

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "" FORCE)
endif()

# Applied to targets built from project sources (not generated code).
function(lightning_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  if(LIGHTNING_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
