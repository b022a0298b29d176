package mongodb

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/goconnect/goconnect/connect/config"
)

// Config keys, named as the Java MongoSinkConfig/MongoSinkTopicConfig.
const (
	keyURI               = "connection.uri"
	keyTopics            = "topics"
	keyTopicsRegex       = "topics.regex"
	keyDatabase          = "database"
	keyCollection        = "collection"
	keyIDStrategy        = "document.id.strategy"
	keyIDOverwrite       = "document.id.strategy.overwrite.existing"
	keyUUIDFormat        = "document.id.strategy.uuid.format"
	keyPartialKeyType    = "document.id.strategy.partial.key.projection.type"
	keyPartialKeyList    = "document.id.strategy.partial.key.projection.list"
	keyPartialValueType  = "document.id.strategy.partial.value.projection.type"
	keyPartialValueList  = "document.id.strategy.partial.value.projection.list"
	keyWriteModel        = "writemodel.strategy"
	keyDeleteOnNull      = "delete.on.null.values"
	keyDeleteWriteModel  = "delete.writemodel.strategy"
	keyMaxBatch          = "max.batch.size"
	keyOrdered           = "bulk.write.ordered"
	keyRateEvery         = "rate.limiting.every.n"
	keyRateTimeout       = "rate.limiting.timeout"
	keyPostProcessors    = "post.processor.chain"
	keyKeyProjType       = "key.projection.type"
	keyKeyProjList       = "key.projection.list"
	keyValueProjType     = "value.projection.type"
	keyValueProjList     = "value.projection.list"
	keyRenamerMapping    = "field.renamer.mapping"
	keyRenamerRegexp     = "field.renamer.regexp"
	keyCDCHandler        = "change.data.capture.handler"
	keyErrorsTolerance   = "errors.tolerance"
	keyMongoTolerance    = "mongo.errors.tolerance"
	keyErrorsLog         = "errors.log.enable"
	keyMongoErrorsLog    = "mongo.errors.log.enable"
	keyNamespaceMapper   = "namespace.mapper"
	topicOverridePrefix  = "topic.override."
	timeseriesKeyPrefix  = "timeseries."
	javaPackage          = "com.mongodb.kafka.connect.sink."
	defaultIDStrategy    = javaPackage + "processor.id.strategy.BsonOidStrategy"
	defaultWriteModel    = javaPackage + "writemodel.strategy.DefaultWriteModelStrategy"
	defaultDeleteModel   = javaPackage + "writemodel.strategy.DeleteOneDefaultStrategy"
	defaultPostProcessor = javaPackage + "processor.DocumentIdAdder"
	defaultNamespaceMap  = javaPackage + "namespace.mapping.DefaultNamespaceMapper"
)

func sinkDef() *config.Def {
	d := config.NewDef()
	str := func(name, def, doc string) {
		d.Define(config.Key{Name: name, Type: config.TypeString, Default: def, Importance: config.Medium, Doc: doc, Group: "MongoDB"})
	}
	d.Define(config.Key{Name: keyURI, Type: config.TypePassword, Default: "mongodb://localhost:27017", Importance: config.High, Doc: "The MongoDB connection URI", Group: "Connection"})
	d.Define(config.Key{Name: keyDatabase, Type: config.TypeString, Required: true, Importance: config.High, Doc: "The database for the sink to write to", Group: "Namespace"})
	str(keyCollection, "", "The collection; empty means the topic name")
	str(keyIDStrategy, defaultIDStrategy, "The class that produces a document's _id")
	d.Define(config.Key{Name: keyIDOverwrite, Type: config.TypeBoolean, Default: "false", Importance: config.Low, Doc: "Replace an _id already in the value document"})
	str(keyUUIDFormat, "string", "UuidStrategy output: string or binary")
	str(keyPartialKeyType, "", "PartialKeyStrategy projection type")
	str(keyPartialKeyList, "", "PartialKeyStrategy projection fields")
	str(keyPartialValueType, "", "PartialValueStrategy projection type")
	str(keyPartialValueList, "", "PartialValueStrategy projection fields")
	str(keyWriteModel, defaultWriteModel, "The class that builds the write for a record")
	d.Define(config.Key{Name: keyDeleteOnNull, Type: config.TypeBoolean, Default: "false", Importance: config.Medium, Doc: "Delete the document of a tombstone's key"})
	str(keyDeleteWriteModel, defaultDeleteModel, "The class that builds deletes for tombstones")
	d.Define(config.Key{Name: keyMaxBatch, Type: config.TypeInt, Default: "0", Validator: config.AtLeast(0), Importance: config.Medium, Doc: "Records per bulk write; 0 is unlimited"})
	d.Define(config.Key{Name: keyOrdered, Type: config.TypeBoolean, Default: "true", Importance: config.Medium, Doc: "Ordered bulk writes"})
	d.Define(config.Key{Name: keyRateEvery, Type: config.TypeInt, Default: "0", Validator: config.AtLeast(0), Importance: config.Low, Doc: "Pause after every n batches"})
	d.Define(config.Key{Name: keyRateTimeout, Type: config.TypeInt, Default: "0", Validator: config.AtLeast(0), Importance: config.Low, Doc: "Pause length in ms"})
	str(keyPostProcessors, defaultPostProcessor, "Comma list of post processor classes")
	d.Define(config.Key{Name: keyKeyProjType, Type: config.TypeString, Default: "none", Validator: projectionType, Importance: config.Medium, Doc: "Key projection: none, AllowList or BlockList", Group: "MongoDB"})
	str(keyKeyProjList, "", "Key projection fields")
	d.Define(config.Key{Name: keyValueProjType, Type: config.TypeString, Default: "none", Validator: projectionType, Importance: config.Medium, Doc: "Value projection: none, AllowList or BlockList", Group: "MongoDB"})
	str(keyValueProjList, "", "Value projection fields")
	str(keyRenamerMapping, "[]", "JSON array of {oldName, newName}")
	str(keyRenamerRegexp, "[]", "JSON array of {regexp, pattern, replace}")
	str(keyCDCHandler, "", "The change data capture handler class")
	str(keyMongoTolerance, "", "none, all or data; falls back to errors.tolerance")
	str(keyNamespaceMapper, defaultNamespaceMap, "Only DefaultNamespaceMapper is supported")
	defineSSL(d)
	return d
}

// projectionType is MongoDB's check of the projection types, in its words.
var projectionType = config.Func("[none, blacklist, whitelist, allowlist, blocklist]", func(_ string, v any) error {
	s, _ := v.(string)
	switch strings.ToLower(s) {
	case "none", "blacklist", "whitelist", "allowlist", "blocklist":
		return nil
	}
	return fmt.Errorf("Invalid enumerator value. Should be one of: [none, blacklist, whitelist, allowlist, blocklist]")
})

// simpleName strips the Java package of a MongoDB connector class
// ("com.mongodb.kafka.connect.sink.….C" → "C"); a class of another package
// yields "" so it is reported as unknown rather than mistaken for ours.
func simpleName(class string) string {
	class = strings.TrimSpace(class)
	i := strings.LastIndex(class, ".")
	if i < 0 {
		return class
	}
	if !strings.HasPrefix(class, javaPackage) {
		return ""
	}
	return class[i+1:]
}

// topicConfig is the effective config of one topic after overrides.
type topicConfig struct {
	database, collection string
	ids                  idStrategy
	overwrite            bool
	processors           []postProcessor
	model                writeModel
	deleteOnNull         bool
	tombstone            *deleteDefault
	cdc                  cdcHandler
	maxBatch             int
	ordered              bool
	rateEvery            int
	rateTimeout          time.Duration
	tolerance            string // none, all or data
	logErrors            bool
}

// resolve returns the props seen by a topic: the base props with its
// topic.override.<topic>.* keys applied.
func resolve(props map[string]string, topic string) map[string]string {
	out := make(map[string]string, len(props))
	for k, v := range props {
		if !strings.HasPrefix(k, topicOverridePrefix) {
			out[k] = v
		}
	}
	pre := topicOverridePrefix + topic + "."
	for k, v := range props {
		if rest, ok := strings.CutPrefix(k, pre); ok {
			out[rest] = v
		}
	}
	return out
}

// checkUnsupported rejects what goconnect does not implement yet, with a
// message naming the key.
func checkUnsupported(props map[string]string) error {
	for k, v := range props {
		if strings.HasPrefix(k, timeseriesKeyPrefix) && strings.TrimSpace(v) != "" {
			return &config.Error{Key: k, Value: v, Message: "time-series collections are not supported by goconnect's MongoDB sink yet"}
		}
		if strings.HasPrefix(k, topicOverridePrefix) {
			if i := strings.Index(k, "."+timeseriesKeyPrefix); i >= 0 && strings.TrimSpace(v) != "" {
				return &config.Error{Key: k, Value: v, Message: "time-series collections are not supported by goconnect's MongoDB sink yet"}
			}
		}
	}
	return nil
}

// newTopicConfig parses the effective config of one topic.
func newTopicConfig(props map[string]string, topic string, now clock) (*topicConfig, error) {
	p := resolve(props, topic)
	if err := checkUnsupported(p); err != nil {
		return nil, err
	}
	vals, err := sinkDef().Parse(p)
	if err != nil {
		return nil, fmt.Errorf("topic %s: %w", topic, err)
	}
	str := func(k string) string { return strings.TrimSpace(vals.String(k)) }
	tc := &topicConfig{
		database:     str(keyDatabase),
		collection:   str(keyCollection),
		overwrite:    vals.Bool(keyIDOverwrite),
		deleteOnNull: vals.Bool(keyDeleteOnNull),
		maxBatch:     int(vals.Int(keyMaxBatch)),
		ordered:      vals.Bool(keyOrdered),
		rateEvery:    int(vals.Int(keyRateEvery)),
		rateTimeout:  time.Duration(vals.Int(keyRateTimeout)) * time.Millisecond,
	}
	if tc.database == "" {
		return nil, &config.Error{Key: keyDatabase, Message: "must not be empty"}
	}
	if tc.collection == "" {
		tc.collection = topic
	}
	if nm := simpleName(str(keyNamespaceMapper)); nm != "DefaultNamespaceMapper" {
		return nil, &config.Error{Key: keyNamespaceMapper, Value: str(keyNamespaceMapper), Message: "only DefaultNamespaceMapper is supported by goconnect"}
	}
	tc.tolerance = strings.ToLower(str(keyMongoTolerance))
	if tc.tolerance == "" {
		tc.tolerance = strings.ToLower(strings.TrimSpace(p[keyErrorsTolerance]))
	}
	switch tc.tolerance {
	case "":
		tc.tolerance = "none"
	case "none", "all", "data":
	default:
		return nil, &config.Error{Key: keyMongoTolerance, Value: tc.tolerance, Message: "must be none, all or data"}
	}
	tc.logErrors, _ = strconv.ParseBool(strings.TrimSpace(firstNonEmpty(p[keyMongoErrorsLog], p[keyErrorsLog])))

	if h := str(keyCDCHandler); h != "" {
		switch simpleName(h) {
		case "ChangeStreamHandler":
			if strings.Contains(h, ".debezium.") {
				return nil, &config.Error{Key: keyCDCHandler, Value: h, Message: "the Debezium MongoDB handlers are not supported by goconnect yet"}
			}
			tc.cdc = changeStreamHandler{}
		case "RdbmsHandler", "MysqlHandler", "PostgresHandler":
			if strings.Contains(h, ".qlik.") {
				return nil, &config.Error{Key: keyCDCHandler, Value: h, Message: "the Qlik handler is not supported by goconnect"}
			}
			tc.cdc = rdbmsHandler{}
		default:
			return nil, &config.Error{Key: keyCDCHandler, Value: h, Message: "unknown or unsupported change data capture handler"}
		}
		// CDC handlers bypass id strategy, processors and write models.
		return tc, nil
	}

	partialKey, err := newProjection(firstNonEmpty(str(keyPartialKeyType), str(keyKeyProjType)), splitList(firstNonEmpty(str(keyPartialKeyList), str(keyKeyProjList))))
	if err != nil {
		return nil, &config.Error{Key: keyPartialKeyType, Message: err.Error()}
	}
	partialValue, err := newProjection(firstNonEmpty(str(keyPartialValueType), str(keyValueProjType)), splitList(firstNonEmpty(str(keyPartialValueList), str(keyValueProjList))))
	if err != nil {
		return nil, &config.Error{Key: keyPartialValueType, Message: err.Error()}
	}
	partialID := false
	switch n := simpleName(str(keyIDStrategy)); n {
	case "BsonOidStrategy":
		tc.ids = oidStrategy{}
	case "UuidStrategy":
		f := strings.ToLower(str(keyUUIDFormat))
		if f != "string" && f != "binary" {
			return nil, &config.Error{Key: keyUUIDFormat, Value: f, Message: "must be string or binary"}
		}
		tc.ids = uuidStrategy{binary: f == "binary"}
	case "KafkaMetaDataStrategy":
		tc.ids = kafkaMetaStrategy{}
	case "FullKeyStrategy":
		tc.ids = fullKeyStrategy{}
	case "PartialKeyStrategy":
		tc.ids, partialID = partialStrategy{p: partialKey, onKey: true}, true
	case "PartialValueStrategy":
		tc.ids, partialID = partialStrategy{p: partialValue}, true
	case "ProvidedInKeyStrategy":
		tc.ids = providedStrategy{inKey: true}
	case "ProvidedInValueStrategy":
		tc.ids = providedStrategy{}
	case "UuidProvidedInKeyStrategy":
		tc.ids = providedStrategy{inKey: true, uuid: true}
	case "UuidProvidedInValueStrategy":
		tc.ids = providedStrategy{uuid: true}
	default:
		return nil, &config.Error{Key: keyIDStrategy, Value: str(keyIDStrategy), Message: "unknown id strategy"}
	}

	switch n := simpleName(str(keyWriteModel)); n {
	case "DefaultWriteModelStrategy", "ReplaceOneDefaultStrategy":
		tc.model = replaceDefault{}
	case "ReplaceOneBusinessKeyStrategy":
		tc.model = replaceBusinessKey{flat: partialID}
	case "UpdateOneDefaultStrategy":
		tc.model = updateDefault{}
	case "UpdateOneTimestampsStrategy":
		tc.model = updateTimestamps{now: now}
	case "UpdateOneBusinessKeyTimestampStrategy":
		tc.model = updateTimestamps{businessKey: true, flat: partialID, now: now}
	case "InsertOneDefaultStrategy":
		tc.model = insertDefault{}
	case "DeleteOneBusinessKeyStrategy":
		tc.model = deleteBusinessKey{flat: partialID}
	case "DeleteOneDefaultStrategy":
		// As the main strategy it deletes every record's document by key.
		tc.model = deleteAll{deleteDefault{ids: tc.ids}}
	default:
		return nil, &config.Error{Key: keyWriteModel, Value: str(keyWriteModel), Message: "unknown or unsupported write model strategy"}
	}

	if tc.deleteOnNull {
		if n := simpleName(str(keyDeleteWriteModel)); n != "DeleteOneDefaultStrategy" {
			return nil, &config.Error{Key: keyDeleteWriteModel, Value: str(keyDeleteWriteModel), Message: "only DeleteOneDefaultStrategy is supported by goconnect"}
		}
		if !tc.ids.fromKey() || simpleName(str(keyIDStrategy)) == "UuidProvidedInKeyStrategy" {
			return nil, &config.Error{Key: keyDeleteOnNull, Value: "true", Message: "delete.on.null.values=true requires document.id.strategy FullKeyStrategy, PartialKeyStrategy or ProvidedInKeyStrategy"}
		}
		tc.tombstone = &deleteDefault{ids: tc.ids}
	}

	tc.processors = []postProcessor{documentIDAdder{strategy: tc.ids, overwrite: tc.overwrite}}
	for _, class := range splitList(str(keyPostProcessors)) {
		var pp postProcessor
		switch simpleName(class) {
		case "DocumentIdAdder":
			continue // always first
		case "KafkaMetaAdder":
			pp = kafkaMetaAdder{}
		case "NullFieldValueRemover":
			pp = nullRemover{}
		case "AllowListKeyProjector", "WhitelistKeyProjector", "BlockListKeyProjector", "BlacklistKeyProjector":
			pp, err = listProjector(simpleName(class), str(keyKeyProjList), true)
		case "AllowListValueProjector", "WhitelistValueProjector", "BlockListValueProjector", "BlacklistValueProjector":
			pp, err = listProjector(simpleName(class), str(keyValueProjList), false)
		case "RenameByMapping":
			pp, err = newMappingRenamer(str(keyRenamerMapping))
		case "RenameByRegExp":
			pp, err = newRegexpRenamer(str(keyRenamerRegexp))
		default:
			return nil, &config.Error{Key: keyPostProcessors, Value: class, Message: "unknown post processor"}
		}
		if err != nil {
			return nil, &config.Error{Key: keyPostProcessors, Value: class, Message: err.Error()}
		}
		tc.processors = append(tc.processors, pp)
	}
	return tc, nil
}

func listProjector(class, list string, onKey bool) (postProcessor, error) {
	kind := "BlockList"
	if strings.HasPrefix(class, "AllowList") || strings.HasPrefix(class, "Whitelist") {
		kind = "AllowList"
	}
	p, err := newProjection(kind, splitList(list))
	if err != nil {
		return nil, err
	}
	return projector{p: p, onKey: onKey}, nil
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func firstNonEmpty(a ...string) string {
	for _, s := range a {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

// topicMatcher decides which topics the task serves (topics or topics.regex).
func checkTopics(props map[string]string) error {
	t, r := strings.TrimSpace(props[keyTopics]), strings.TrimSpace(props[keyTopicsRegex])
	if (t == "") == (r == "") {
		return &config.Error{Key: keyTopics, Message: "exactly one of topics or topics.regex must be set"}
	}
	if r != "" {
		if _, err := regexp.Compile(r); err != nil {
			return &config.Error{Key: keyTopicsRegex, Value: r, Message: err.Error()}
		}
	}
	return nil
}
