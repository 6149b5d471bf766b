package dev.maas.installer.ui;

import javafx.application.Application;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.stage.Stage;

/** The wizard's JavaFX application (placeholder window until the shell lands). */
public class WizardApp extends Application {
    public static void launchWizard(String[] args) {
        Application.launch(WizardApp.class, args);
    }

    @Override
    public void start(Stage stage) {
        stage.setTitle("MaaS Installer");
        stage.setScene(new Scene(new Label("MaaS Installer"), 800, 600));
        stage.show();
    }
}
