package dev.maas.installer.ui;

import dev.maas.installer.sandbox.Sandbox;

import java.nio.file.Path;

/** The wizard's only reference to the sandbox package; loaded by the sandbox thread when a sandbox starts. */
final class LocalSandbox {
    private LocalSandbox() { }

    static SandboxLauncher.Started start(Path dir) {
        Sandbox sandbox = Sandbox.run(dir);
        return new SandboxLauncher.Started(sandbox.kubeconfig(), sandbox.configFile(), sandbox::close);
    }
}
