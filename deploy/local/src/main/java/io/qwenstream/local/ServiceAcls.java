package io.qwenstream.local;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * What each service's user may do on a secure broker ({@link BrokerSecurity}): read and write its own topics and use
 * its own consumer groups (the group ids of the services' application.properties), nothing else. Read and write
 * include describe. Kafka Streams' post-processor also owns its internal topics and transactional ids, both named
 * after its application id.
 */
public final class ServiceAcls {

    public static final String INGEST = "ingest-service";
    public static final String WORKER = "inference-worker";
    public static final String POSTPROCESS = "postprocess-service";
    /** One SCRAM user per service, named as the service. */
    public static final List<String> USERS = List.of(INGEST, WORKER, POSTPROCESS);

    /** quarkus.kafka-streams.application-id of postprocess-service. */
    static final String POSTPROCESS_APPLICATION_ID = "qwenstream-postprocess";

    private ServiceAcls() {}

    /** The ACLs of every service user for these topic names. */
    public static List<AclBinding> bindings(Topics topics) {
        List<AclBinding> acls = new ArrayList<>();
        // ingest: reads requests and history, writes what it prepares and refuses; its OpenAI API writes requests
        // and cancels and reads the answers back (one group per instance, named with a uuid).
        for (String topic :
                List.of(topics.requests(), topics.conversations(), topics.responses(), topics.responsesStream()))
            acls.add(allow(INGEST, ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.READ));
        for (String topic : List.of(
                topics.inference(), topics.responses(), topics.requestsDlq(), topics.requests(), topics.control()))
            acls.add(allow(INGEST, ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.WRITE));
        acls.add(allow(INGEST, ResourceType.GROUP, "qwenstream-ingest", PatternType.LITERAL, AclOperation.READ));
        acls.add(allow(INGEST, ResourceType.GROUP, "qwenstream-ingest-http-", PatternType.PREFIXED, AclOperation.READ));
        // worker: prepared requests and cancels in, token chunks out.
        for (String topic : List.of(topics.inference(), topics.control()))
            acls.add(allow(WORKER, ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.READ));
        acls.add(allow(WORKER, ResourceType.TOPIC, topics.tokens(), PatternType.LITERAL, AclOperation.WRITE));
        acls.add(allow(
                WORKER, ResourceType.GROUP, "qwenstream-inference-worker", PatternType.LITERAL, AclOperation.READ));
        acls.add(allow(
                WORKER, ResourceType.GROUP, "qwenstream-worker-control-", PatternType.PREFIXED, AclOperation.READ));
        // postprocess (Kafka Streams, exactly-once): chunks and prepared requests in, responses and history out.
        for (String topic : List.of(topics.tokens(), topics.inference()))
            acls.add(allow(POSTPROCESS, ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.READ));
        for (String topic : List.of(topics.responses(), topics.responsesStream(), topics.conversations()))
            acls.add(allow(POSTPROCESS, ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.WRITE));
        String app = POSTPROCESS_APPLICATION_ID;
        acls.add(allow(POSTPROCESS, ResourceType.GROUP, app, PatternType.LITERAL, AclOperation.READ));
        // Its repartition and changelog topics: created, written, read and purged by Streams itself.
        acls.add(allow(POSTPROCESS, ResourceType.TOPIC, app + "-", PatternType.PREFIXED, AclOperation.ALL));
        acls.add(
                allow(POSTPROCESS, ResourceType.TRANSACTIONAL_ID, app + "-", PatternType.PREFIXED, AclOperation.WRITE));
        return acls;
    }

    /** Creates the ACLs through an admin client of the super user (existing ones stay as they are). */
    public static void create(Admin admin, Topics topics) {
        try {
            admin.createAcls(bindings(topics)).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "cannot create the ACLs: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("creating the ACLs timed out", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the ACLs", e);
        }
    }

    private static AclBinding allow(
            String user, ResourceType type, String name, PatternType pattern, AclOperation operation) {
        return new AclBinding(
                new ResourcePattern(type, name, pattern),
                new AccessControlEntry("User:" + user, "*", operation, AclPermissionType.ALLOW));
    }
}
