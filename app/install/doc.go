// Package install tests how Quiver is installed on a Linux desktop: the
// launcher entry and icons (scripts/io.github.quiver_app.quiver.desktop,
// icons/), `make install` and `make uninstall` (scripts/install.sh) and
// `make package` (scripts/package.sh), each run for real into temporary
// directories. It has no code of its own; it is never imported.
//
// The entry and icon checks always run. The make tests build the binary
// and run it, so they run only inside `make test`'s desktop session
// (QUIVER_DESKTOP_SESSION=1) or with QUIVER_INSTALL_TEST=1; the package
// test installs Fyne's packager from the module proxy on first use, so it
// runs only with QUIVER_PACKAGE_TEST=1.
package install
