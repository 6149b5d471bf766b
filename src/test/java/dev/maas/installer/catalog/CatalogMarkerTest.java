package dev.maas.installer.catalog;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CatalogMarkerTest {
    @Test
    void markIsAddedOnceAndFoundDespiteBlanks() {
        String marked = CatalogMarker.mark("Granite model");
        assertThat(marked).isEqualTo("Granite model [managed by maas-installer]");
        assertThat(CatalogMarker.mark(marked)).isEqualTo(marked);
        assertThat(CatalogMarker.mark(null)).isEqualTo(CatalogMarker.TAG);
        assertThat(CatalogMarker.isMarked(marked + "\r\n")).isTrue();
        assertThat(CatalogMarker.unmark(marked)).isEqualTo("Granite model");
    }

    @Test
    void productsWithoutTheTagAreNotOurs() {
        assertThat(CatalogMarker.isMarked(null)).isFalse();
        assertThat(CatalogMarker.isMarked("")).isFalse();
        assertThat(CatalogMarker.isMarked("Created by hand")).isFalse();
        // the tag must end the description: quoting it elsewhere does not make a product ours
        assertThat(CatalogMarker.isMarked("[managed by maas-installer] was removed by ops")).isFalse();
        assertThat(CatalogMarker.unmark("Created by hand")).isEqualTo("Created by hand");
    }
}
