// lightning: use acme_trainer@^1.2
#include <lightning/lightning.hpp>
	//   lightning:	use  acme_data@>=2.0, <3 from git+file:///srv/acme_data.git@v2.1.0
// lightning: use multi@^1 || ^2
// lightning: use from_dir from ../components/from_dir
// lightning: used to be
int main() {}
