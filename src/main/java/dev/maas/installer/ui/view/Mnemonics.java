package dev.maas.installer.ui.view;

import javafx.scene.Scene;

/**
 * Keeps a scene's Alt mnemonics working when pages come and go. When a button with a mnemonic leaves the scene,
 * JavaFX takes it out of the scene's mnemonic list but leaves the list's key behind, empty; and on Alt+letter it
 * uses the first key that matches, so a left-over {@code Alt+'a'} (the welcome page's "St_art") would make
 * {@code Alt+'A'} (the review page's "_Apply all") do nothing. Removing the empty lists after a page change avoids
 * that.
 */
public final class Mnemonics {
    private Mnemonics() { }

    /** Removes the scene's empty mnemonic lists (FX thread). A no-op for a node not in a scene. */
    public static void prune(Scene scene) {
        if (scene != null) {
            scene.getMnemonics().values().removeIf(java.util.List::isEmpty);
        }
    }
}
