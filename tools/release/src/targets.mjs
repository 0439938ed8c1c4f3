/** napi-rs's platform name for each Rust target we ship: the `.node` suffix and npm/ folder. */
export const PLATFORM_OF_TARGET = {
  'x86_64-unknown-linux-gnu': 'linux-x64-gnu',
  'x86_64-unknown-linux-musl': 'linux-x64-musl',
  'aarch64-unknown-linux-gnu': 'linux-arm64-gnu',
  'aarch64-unknown-linux-musl': 'linux-arm64-musl',
  'x86_64-apple-darwin': 'darwin-x64',
  'aarch64-apple-darwin': 'darwin-arm64',
  'x86_64-pc-windows-msvc': 'win32-x64-msvc',
};

export function platformOf(target) {
  const platform = PLATFORM_OF_TARGET[target];
  if (!platform) throw new Error(`no platform name known for target ${target}`);
  return platform;
}
