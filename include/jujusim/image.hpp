// The prepared machine images: a Debian root file system with Debian's Slurm (13 "trixie":
// Slurm 24.11, the default; 12 "bookworm": Slurm 22.05), built once with debootstrap + apt from
// the host's Debian mirror and cached under the images directory. Machines use one read-only as
// the lower layer of their overlay root; a model picks it with machine-image (docs/jujusim.md).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace jujusim {

namespace fs = std::filesystem;

/// What to build. A different package list, suite or recipe version makes a cached image stale.
/// Version of the build recipe (what build_image does beyond the package list). Bumped when
/// the recipe changes, so images built by an older one are rebuilt.
inline constexpr int kImageRecipe = 2;

struct ImageSpec {
    std::string name = "debian-13-slurm";
    std::string suite = "trixie";
    /// Installed with apt (--no-install-recommends) on top of debootstrap's minbase.
    std::vector<std::string> packages;
    /// Debian mirror; empty: the first Debian mirror configured for apt on this host.
    std::string mirror;
    /// Not installed: downloaded with every dependency the image lacks into a local apt
    /// repository in the image (kLocalRepository), which is then the image's only apt source.
    /// A charm's `apt-get update` and `apt-get install` there work as on a fresh cloud machine,
    /// without a network.
    std::vector<std::string> repository_packages;

    /// The image every jujusim machine uses: Slurm 24.11 (slurmctld, slurmd, client, sackd),
    /// munge and the tools the charms and tests call.
    static ImageSpec debian13_slurm();
    /// Slurm 22.05 (slurmctld, slurmd, client; no sackd, which came with 23.11), munge and the
    /// same tools: the oldest Slurm the charm supports (munge auth, text ping).
    static ImageSpec debian12_slurm();
    /// The same machine without Slurm, munge or rsync: they are in its local apt repository,
    /// for charms that install them (model-config machine-image=debian-13-apt).
    static ImageSpec debian13_apt();
    /// Not a machine image: a Debian 13 toolchain (g++ 14, cmake, the -dev libraries the charm
    /// builds with, ccache) that a test builds `dispatch` in, on an overlay above it.
    static ImageSpec debian13_build();
    /// The spec of that name (debian-13-slurm, debian-12-slurm, debian-13-apt,
    /// debian-13-build), or nullopt.
    static std::optional<ImageSpec> named(const std::string& name);
};

/// The image of a model that names none.
inline constexpr const char* kDefaultImage = "debian-13-slurm";

/// Where an image with repository_packages keeps its apt repository (a flat repository:
/// the .deb files, Packages and Release, named by `deb [trusted=yes] file:<dir> ./`).
inline constexpr const char* kLocalRepository = "/srv/jujusim-apt";

/// One line of build progress ("debootstrap: I: Retrieving ...", "apt: Setting up ...").
using ImageProgress = std::function<void(const std::string& line)>;

/// $JUJUSIM_IMAGES, else $JUJUSIM_HOME/images, else /var/lib/jujusim/images.
fs::path default_images_dir();

/// `<images_dir>/<spec.name>`: where the image lives once built.
fs::path image_path(const ImageSpec& spec, const fs::path& images_dir = default_images_dir());

/// True when `<images_dir>/<name>` holds a complete image built from this spec (its stamp,
/// `/etc/jujusim-image.json` inside the image, matches).
bool image_is_current(const ImageSpec& spec, const fs::path& images_dir = default_images_dir());

/// Builds the image when it is missing or stale (one builder at a time per images directory,
/// others wait on a lock) and returns its path. Throws std::runtime_error when the build fails;
/// a failed build leaves the previous image (or none) in place, never a partial one.
fs::path ensure_image(const ImageSpec& spec, const ImageProgress& progress,
                      const fs::path& images_dir = default_images_dir());

/// Builds the image into `destination` unconditionally (in a temporary sibling directory that
/// is renamed into place at the end). Needs root and debootstrap on the host.
void build_image(const ImageSpec& spec, const fs::path& destination, const ImageProgress& progress);

/// The Debian mirror apt uses on this host (deb822 sources or sources.list).
std::string host_debian_mirror();

/// The stamp written into an image (`/etc/jujusim-image.json`), parsed; empty when absent.
struct ImageStamp {
    int recipe = 0;
    std::string name;
    std::string suite;
    std::string mirror;
    std::vector<std::string> packages;                          ///< requested, sorted
    std::vector<std::string> repository_packages;               ///< requested, sorted
    std::vector<std::pair<std::string, std::string>> versions;  ///< installed: package, version
    std::string built_at;
    double build_seconds = 0;
};
ImageStamp read_image_stamp(const fs::path& image);

}  // namespace jujusim
