package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ObjectMergeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    @Test
    void strategicMergeMergesListsOfNamedItemsAndHonoursDirectives() throws Exception {
        JsonNode current = json("{'spec':{'containers':[{'name':'a','image':'a:1','env':[{'name':'X','value':'1'}]},"
                + "{'name':'b','image':'b:1'}],'args':['--x']}}");
        JsonNode patch = json("{'spec':{'$setElementOrder/containers':[{'name':'a'},{'name':'b'}],"
                + "'containers':[{'name':'a','image':'a:2','env':[{'name':'Y','value':'2'}]},"
                + "{'name':'b','$patch':'delete'},{'name':'c','image':'c:1'}],'args':['--y']}}");
        JsonNode merged = ObjectMerge.strategicMerge(current, patch);
        assertThat(merged).isEqualTo(json("{'spec':{'containers':[{'name':'a','image':'a:2','env':"
                + "[{'name':'X','value':'1'},{'name':'Y','value':'2'}]},{'name':'c','image':'c:1'}],'args':['--y']}}"));
    }

    @Test
    void mergePatchReplacesListsAndNullDeletes() throws Exception {
        JsonNode merged = ObjectMerge.mergePatch(json("{'a':{'b':1,'c':2},'l':[1,2]}"),
                json("{'a':{'b':null,'d':3},'l':[3]}"));
        assertThat(merged).isEqualTo(json("{'a':{'c':2,'d':3},'l':[3]}"));
    }
}
